# Golden values from R's survey package for tests/test_survey_golden.py.
# Regenerate (needs Debian packages r-base-core and r-cran-survey, and MASS: calibrate() calls MASS::ginv):
#   Rscript tests/golden/make_golden.R tests/golden
# Writes golden_data.csv (the data, generated here with a fixed seed) and one CSV per result;
# golden_proportions.csv (svyciprop methods, boundary domains) and golden_linked*.csv (stacked waves
# with the person as PSU) come last, so adding them left the earlier files unchanged.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/golden"
options(survey.lonely.psu = "fail")
set.seed(20241107)

# --- data: 8 strata of unequal size with FPC, unequal weights, missing values ------------------
n_h <- c(5, 12, 30, 45, 60, 80, 100, 150)
N_h <- c(20, 40, 200, 150, 600, 400, 1000, 900)
stratum <- rep(sprintf("S%d", seq_along(n_h)), n_h)
n <- length(stratum)
d <- data.frame(stratum = stratum, N_h = rep(N_h, n_h))
d$w <- d$N_h / rep(n_h, n_h) * exp(rnorm(n, 0, 0.3))          # unequal weights within strata
d$g <- sample(c("a", "b", "c", "d"), n, replace = TRUE, prob = c(.4, .3, .2, .1))
d$g2 <- sample(c("m", "v"), n, replace = TRUE)
d$gender <- sample(c("man", "vrouw", "x"), n, replace = TRUE, prob = c(.45, .5, .05))
d$ageband <- sample(c("a1", "a2", "a3"), n, replace = TRUE)
d$x <- round(rnorm(n, 40, 10), 1)
d$y <- round(3 + 0.4 * (d$g == "b") - 0.5 * (d$g == "d") + 0.02 * (d$x - 40) + rnorm(n), 3)
d$d <- as.integer(runif(n) < plogis(-1 + 0.8 * (d$g == "c") + 0.03 * (d$x - 40)))
d$a <- sample(c("p", "q", "r"), n, replace = TRUE)
d$b <- ifelse(runif(n) < 0.5 + 0.15 * (d$a == "r"), "k", "l")
d$y[sample(n, 25)] <- NA
d$d[sample(n, 20)] <- NA
d$a[sample(n, 10)] <- NA
d$x[sample(n, 8)] <- NA
# e: a share at the boundary in two domains, 0 in every respondent of g = "d", 1 in every one of g = "c"
d$e <- ifelse(d$g == "d", 0L, ifelse(d$g == "c", 1L, as.integer(runif(n) < 0.2)))
d$e[sample(n, 12)] <- NA
write.csv(d, file.path(out, "golden_data.csv"), row.names = FALSE)

des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~w, data = d)
margins <- list(gender = c(man = 1600, vrouw = 1600, x = 110), ageband = c(a1 = 1100, a2 = 1200, a3 = 1010))
pop <- c(`(Intercept)` = 3310, gendervrouw = 1600, genderx = 110, agebanda2 = 1200, agebanda3 = 1010)
cal <- calibrate(des, ~gender + ageband, population = pop, calfun = "raking", epsilon = 1e-13, maxit = 100)
write.csv(data.frame(var = rep(names(margins), sapply(margins, length)),
                     level = unlist(lapply(margins, names)), N = unlist(margins)),
          file.path(out, "golden_margins.csv"), row.names = FALSE)

# Degrees of freedom of a domain: its respondents minus the strata they fall in, counting respondents
# with a missing item too (as svyciprop's df = degf(design) on svyby's domain subset).
dfsub <- function(design, keep) degf(subset(design, keep))
rows <- list()
add <- function(design_name, what, var, by, level, est, se, df, deff = NA, ci_low = NA, ci_high = NA) {
  rows[[length(rows) + 1]] <<- data.frame(design = design_name, what = what, var = var, by = by, level = level,
                                          estimate = as.numeric(est), se = as.numeric(se), df = as.numeric(df),
                                          deff = as.numeric(deff), ci_low = as.numeric(ci_low),
                                          ci_high = as.numeric(ci_high), row.names = NULL)
}
tq <- function(df) qt(0.975, df)

for (dn in c("strat", "cal")) {
  D <- if (dn == "strat") des else cal
  v <- D$variables
  # means, overall and per domain (one and two by-variables)
  m <- svymean(~y, D, na.rm = TRUE, deff = TRUE)
  df <- degf(D)
  add(dn, "mean", "y", "", "", coef(m), SE(m), df, deff(m), coef(m) - tq(df) * SE(m), coef(m) + tq(df) * SE(m))
  for (byv in list("g", c("g", "g2"))) {
    f <- as.formula(paste("~", paste(byv, collapse = "+")))
    b <- svyby(~y, f, D, svymean, na.rm = TRUE, deff = TRUE, keep.names = FALSE)
    for (i in seq_len(nrow(b))) {
      keep <- rep(TRUE, nrow(v))
      for (k in byv) keep <- keep & v[[k]] == b[i, k]
      df <- dfsub(D, keep)
      lev <- paste(unlist(b[i, byv]), collapse = "/")
      add(dn, "mean", "y", paste(byv, collapse = "+"), lev, b$y[i], b$se[i], df, b$DEff.y[i],
          b$y[i] - tq(df) * b$se[i], b$y[i] + tq(df) * b$se[i])
    }
  }
  # proportions with logit intervals. svyciprop fails on calibrated designs with missing values
  # (R survey 4.1), so there the same interval is computed as svyciprop does it: an intercept-only
  # quasibinomial svyglm on the domain, Wald interval with t on degf(domain), back-transformed.
  logit_ci <- function(S, Sdf) {
    fit <- svyglm(d ~ 1, S, family = quasibinomial())
    df <- degf(Sdf)
    cf <- summary(fit)$coefficients
    plogis(cf[1, 1] + c(-1, 1) * qt(0.975, df) * cf[1, 2])
  }
  levels_g <- sort(unique(v$g))
  if (dn == "strat") {
    p <- svyciprop(~d, D, method = "logit")
    ci <- confint(p)
    add(dn, "proportion", "d", "", "", coef(p), SE(svymean(~d, D, na.rm = TRUE)), degf(D), NA, ci[1], ci[2])
    bp <- svyby(~d, ~g, D, svyciprop, method = "logit", vartype = c("se", "ci"), keep.names = FALSE)
    bse <- svyby(~d, ~g, D, svymean, na.rm = TRUE, keep.names = FALSE)$se
    for (i in seq_len(nrow(bp)))
      add(dn, "proportion", "d", "g", bp$g[i], bp$d[i], bse[i],
          dfsub(D, v$g == bp$g[i]), NA, bp$ci_l[i], bp$ci_u[i])
  } else {
    m <- svymean(~d, D, na.rm = TRUE)
    ci <- logit_ci(subset(D, !is.na(d)), D)
    add(dn, "proportion", "d", "", "", coef(m), SE(m), degf(D), NA, ci[1], ci[2])
    bm <- svyby(~d, ~g, D, svymean, na.rm = TRUE, keep.names = FALSE)
    for (i in seq_len(nrow(bm))) {
      lv <- bm$g[i]
      ci <- logit_ci(subset(D, !is.na(d) & g == lv), subset(D, g == lv))
      add(dn, "proportion", "d", "g", lv, bm$d[i], bm$se[i], dfsub(D, v$g == lv), NA, ci[1], ci[2])
    }
  }
  # totals
  t <- svytotal(~d, D, na.rm = TRUE, deff = TRUE)
  add(dn, "total", "d", "", "", coef(t), SE(t), degf(D), deff(t))
  bt <- svyby(~d, ~g, D, svytotal, na.rm = TRUE, deff = TRUE, keep.names = FALSE)
  for (i in seq_len(nrow(bt)))
    add(dn, "total", "d", "g", bt$g[i], bt$d[i], bt$se[i], dfsub(D, v$g == bt$g[i]), bt$DEff.d[i])
  # domain differences against reference "a", as svyglm(y ~ group) on the two domains
  for (l in c("b", "c", "d")) {
    D2 <- update(D, grp = as.numeric(g == l))
    S <- subset(D2, g %in% c("a", l) & !is.na(y))
    fit <- svyglm(y ~ grp, S)
    cf <- summary(fit)$coefficients[2, ]
    add(dn, "compare", "y", "g", l, cf[1], cf[2], fit$df.residual, NA,
        cf[1] - tq(fit$df.residual) * cf[2], cf[1] + tq(fit$df.residual) * cf[2])
  }
  # GLMs
  for (fam in c("gaussian", "binomial")) {
    fit <- if (fam == "gaussian") svyglm(y ~ factor(g) + x, D) else svyglm(d ~ factor(g) + x, D, family = quasibinomial())
    cf <- summary(fit)$coefficients
    for (i in seq_len(nrow(cf)))
      add(dn, paste0("glm_", fam), rownames(cf)[i], "", as.character(cf[i, 4]), cf[i, 1], cf[i, 2],
          fit$df.residual, NA, cf[i, 1] - tq(fit$df.residual) * cf[i, 2], cf[i, 1] + tq(fit$df.residual) * cf[i, 2])
  }
  # Rao-Scott second-order corrected F
  rs <- svychisq(~a + b, D, statistic = "F")
  add(dn, "chisq", "a:b", "", as.character(rs$p.value), rs$statistic, rs$parameter[["ndf"]], rs$parameter[["ddf"]])
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out, "golden_results.csv"), row.names = FALSE)
write.csv(data.frame(w_cal = weights(cal)), file.path(out, "golden_cal_weights.csv"), row.names = FALSE)
writeLines(paste("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey"))),
           file.path(out, "golden_versions.txt"))

# --- proportions: svyciprop(method = "beta" | "xlogit"), domains with 0 and with only successes -----
# Korn-Graubard as svyciprop(method = "beta"), with two documented differences:
# - at a share of 0 or 1 the design variance is 0 and R's n.eff = 0/0 gives NaN; we take n.eff = the
#   domain's respondents with an answer (a Clopper-Pearson interval on n), as Korn & Graubard suggest;
# - the t-ratio uses the domain's rows (nrow of svyby's domain subset); svyciprop on a calibrated
#   domain counts every row of the design, as a calibrated subset keeps all rows.
# R's own svyciprop interval is written beside it (r_ci_low, r_ci_high) and must agree elsewhere.
kg <- function(S, n_rows, n_valid, var, level = 0.95) {
  m <- svymean(as.formula(paste0("~", var)), S, na.rm = TRUE)
  p <- coef(m)[[1]]
  edge <- abs(p) < 1e-12 || abs(1 - p) < 1e-12
  n.eff <- if (edge) n_valid else p * (1 - p) / vcov(m)[1, 1]
  alpha <- 1 - level
  n.eff <- n.eff * (qt(alpha / 2, n_rows - 1) / qt(alpha / 2, degf(S)))^2
  c(if (abs(p) < 1e-12) 0 else qbeta(alpha / 2, n.eff * p, n.eff * (1 - p) + 1),
    if (abs(1 - p) < 1e-12) 1 else qbeta(1 - alpha / 2, n.eff * p + 1, n.eff * (1 - p)))
}
prows <- list()
for (dn in c("strat", "cal")) {
  D <- if (dn == "strat") des else cal
  v <- D$variables
  for (var in c("d", "e")) {
    doms <- c(list(list(by = "", level = "", keep = rep(TRUE, nrow(v)))),
              lapply(sort(unique(v$g)), function(l) list(by = "g", level = l, keep = v$g == l)))
    for (dm in doms) {
      S <- subset(D, dm$keep)
      m <- svymean(as.formula(paste0("~", var)), S, na.rm = TRUE)
      n_valid <- sum(dm$keep & !is.na(v[[var]]))
      for (method in c("beta", "xlogit")) {
        r_ci <- suppressWarnings(as.numeric(confint(svyciprop(as.formula(paste0("~", var)), S, method = method,
                                                              na.rm = TRUE))))
        ci <- if (method == "beta") kg(S, sum(dm$keep), n_valid, var) else r_ci
        if (method == "beta" && dn == "strat" && all(is.finite(r_ci))) stopifnot(isTRUE(all.equal(ci, r_ci, tolerance = 1e-12)))
        prows[[length(prows) + 1]] <- data.frame(design = dn, method = method, var = var, by = dm$by, level = dm$level,
          estimate = coef(m)[[1]], se = SE(m)[[1]], df = degf(S), n = n_valid, ci_low = ci[1], ci_high = ci[2],
          r_ci_low = r_ci[1], r_ci_high = r_ci[2])
      }
    }
  }
}
write.csv(do.call(rbind, prows), file.path(out, "golden_proportions.csv"), row.names = FALSE)

# --- linked waves: three waves, ~60% of a wave's respondents answered the previous one ----------------
# Stacked rows with the person as PSU: svydesign(ids = ~person, weights = ~w), no strata, no FPC
# (pipeline.survey.stack(..., person=)). A few rows carry no key: each is its own PSU.
set.seed(20241108)
P <- 400
pe <- rnorm(P, 0, 0.8)
grp <- sample(c("a", "b"), P, replace = TRUE, prob = c(.7, .3))
sex <- sample(c("m", "v"), P, replace = TRUE)
r1 <- runif(P) < 0.4
r2 <- ifelse(r1, runif(P) < 0.6, runif(P) < 0.25)
r3 <- ifelse(r2, runif(P) < 0.6, runif(P) < 0.25)
mk <- function(wave, r) {
  i <- which(r)
  data.frame(person = sprintf("k%03d", i), golf = wave, grp = grp[i], sex = sex[i],
             w = round(P / length(i) * exp(rnorm(length(i), 0, 0.3)), 4),
             y = round(3 + 0.2 * (wave - 1) - (0.4 - 0.1 * (wave - 1)) * (grp[i] == "b") + pe[i] + rnorm(length(i), 0, 0.6), 3),
             d = as.integer(runif(length(i)) < plogis(-0.5 + pe[i])))
}
L <- rbind(mk(1, r1), mk(2, r2), mk(3, r3))
L$y[sample(nrow(L), 6)] <- NA
L$person[sample(nrow(L), 5)] <- NA
write.csv(L, file.path(out, "golden_linked_data.csv"), row.names = FALSE)
L$psu <- ifelse(is.na(L$person), paste0("own", seq_len(nrow(L))), L$person)
L$tw <- as.numeric(L$golf == 3)
L$tg <- as.numeric(L$grp == "b")
L$tt <- L$golf - 1
lk <- svydesign(ids = ~psu, weights = ~w, data = L)
mm <- model.matrix(~ factor(golf):sex - 1, L)
pop_l <- setNames(ifelse(grepl("sexm", colnames(mm)), 210, 190), colnames(mm))
lkc <- calibrate(lk, ~ factor(golf):sex - 1, population = pop_l, calfun = "raking", epsilon = 1e-13, maxit = 100)
lrows <- list()
ladd <- function(design, what, term, est, se, df = NA)
  lrows[[length(lrows) + 1]] <<- data.frame(design = design, what = what, term = term, estimate = as.numeric(est),
                                            se = as.numeric(se), df = as.numeric(df))
for (dn in c("linked", "linked_cal")) {
  D <- if (dn == "linked") lk else lkc
  # change of a mean between waves as the wave coefficients of a saturated svyglm (= the difference of
  # the domain means with its linearised SE; svyby(covmat = TRUE) fails on missing values here)
  for (var in c("y", "d")) {
    fit <- svyglm(as.formula(paste0(var, " ~ factor(golf)")), D)
    for (k in 2:3) {
      cf <- summary(fit)$coefficients[paste0("factor(golf)", k), ]
      ladd(dn, paste0("change_", var), paste0(k, "-1"), cf[1], cf[2])
    }
    ct <- svycontrast(fit, c(`factor(golf)3` = 1, `factor(golf)2` = -1))
    ladd(dn, paste0("change_", var), "3-2", coef(ct), SE(ct))
  }
  fit <- svyglm(y ~ factor(golf) * grp, D)  # change within a group
  ladd(dn, "change_y_grp", "a", coef(fit)[["factor(golf)3"]], SE(fit)[["factor(golf)3"]])
  ct <- svycontrast(fit, c(`factor(golf)3` = 1, `factor(golf)3:grpb` = 1))
  ladd(dn, "change_y_grp", "b", coef(ct), SE(ct))
  fit <- svyglm(y ~ tw * tg, subset(D, golf %in% c(1, 3)))   # gap change (difference-in-differences)
  cf <- summary(fit)$coefficients
  ladd(dn, "did", "tw:tg", cf["tw:tg", 1], cf["tw:tg", 2], fit$df.residual)
  fit <- svyglm(y ~ tt, D)                                    # linear trend over the three waves
  cf <- summary(fit)$coefficients
  ladd(dn, "trend", "tt", cf["tt", 1], cf["tt", 2], fit$df.residual)
  ladd(dn, "degf", "", degf(D), NA)
}
write.csv(do.call(rbind, lrows), file.path(out, "golden_linked.csv"), row.names = FALSE)
cat("golden values written to", out, "\n")
