# Golden values for the Fay–Herriot small-area estimates (pipeline/analysis/small_area.py).
# Run from the repository root:  Rscript tests/golden/make_golden_sae.R
# R's metafor fits the same model as sae::eblupFH (a random-effects meta-regression with known
# sampling variances vi): rma(yi, vi, mods=, method="REML") gives beta, tau2 (= sigma2_u) and vcov(beta);
# blup() the EBLUP. The MSE (Prasad-Rao with the REML term of Datta & Lahiri 2000) is computed here by
# hand from the fit: g1 + g2 + 2*g3.
#   g1 = gamma*psi, g2 = (1-gamma)^2 x'(X'V^-1 X)^-1 x, g3 = psi^2/(s2+psi)^3 * 2/sum((s2+psi)^-2)
# Areas outside the fit (fitted = 0) get the synthetic x'beta with MSE s2 + x'(X'V^-1 X)^-1 x.
# Inputs: sae_demo_input.csv (direct estimates of inclusion per directorate, NIM 2024 of the demo data,
# and four register auxiliaries) and a small simulated set whose tau2 is truncated at 0.
# Output: golden_sae.csv (one row per dataset and area), golden_sae_fit.csv (one row per dataset).
suppressPackageStartupMessages(library(metafor))

golden_dir <- "tests/golden"
aux <- c("aandeel_jong", "aandeel_niet_westers", "aandeel_schaal_12plus", "aandeel_kort_in_dienst")

demo <- read.csv(file.path(golden_dir, "sae_demo_input.csv"), stringsAsFactors = FALSE)
demo$dataset <- "demo"

set.seed(20261206)
m <- 15
flat <- data.frame(area = sprintf("A%02d", 1:m), x1 = round(runif(m), 4), x2 = round(runif(m), 4))
flat$vi <- round(runif(m, 0.02, 0.08), 5)
flat$y <- round(1 + 0.5 * flat$x1 - 0.3 * flat$x2 + rnorm(m, 0, sqrt(flat$vi)) * 0.5, 6)  # less spread than vi: tau2 = 0
flat$fitted <- as.integer(seq_len(m) <= 13)
flat$dataset <- "flat"
write.csv(flat[, c("area", "y", "vi", "fitted", "x1", "x2")], file.path(golden_dir, "sae_flat_input.csv"),
          row.names = FALSE)

one <- function(d, vars) {
  inside <- d[d$fitted == 1, ]
  outside <- d[d$fitted == 0, ]
  f <- as.formula(paste("~", paste(vars, collapse = " + ")))
  fit <- rma(yi = y, vi = vi, mods = f, data = inside, method = "REML",
             control = list(threshold = 1e-12, maxiter = 1000, stepadj = 0.5))
  b <- blup(fit)
  X <- model.matrix(f, inside)
  s2 <- fit$tau2
  psi <- inside$vi
  v <- s2 + psi
  gamma <- s2 / v
  A <- vcov(fit)
  g1 <- gamma * psi
  g2 <- (1 - gamma)^2 * rowSums((X %*% A) * X)
  g3 <- psi^2 / v^3 * (2 / sum(v^-2))
  rows <- data.frame(dataset = d$dataset[1], area = inside$area, fitted = 1, estimate = b$pred,
                     blup_se = b$se, gamma = gamma, g1 = g1, g2 = g2, g3 = g3, mse = g1 + g2 + 2 * g3)
  if (nrow(outside)) {
    Xo <- model.matrix(f, outside)
    p <- predict(fit, newmods = Xo[, -1, drop = FALSE])
    rows <- rbind(rows, data.frame(dataset = d$dataset[1], area = outside$area, fitted = 0, estimate = p$pred,
                                   blup_se = NA, gamma = 0, g1 = NA, g2 = p$se^2, g3 = NA, mse = s2 + p$se^2))
  }
  fits <- data.frame(dataset = d$dataset[1], sigma2 = s2, term = names(coef(fit)), beta = unname(coef(fit)),
                     se_beta = unname(fit$se))
  list(rows = rows, fits = fits)
}

a <- one(demo, aux)
b <- one(flat, c("x1", "x2"))
write.csv(rbind(a$rows, b$rows), file.path(golden_dir, "golden_sae.csv"), row.names = FALSE)
write.csv(rbind(a$fits, b$fits), file.path(golden_dir, "golden_sae_fit.csv"), row.names = FALSE)
cat(paste("metafor", packageVersion("metafor"), R.version.string), "\n",
    file = file.path(golden_dir, "golden_sae_versions.txt"))
