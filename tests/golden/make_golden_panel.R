# Golden values for the linked-panel change estimator (pipeline.survey.linked_panel, issue 26 item 2):
# changes, a gap change (difference-in-differences) and a trend over three waves, each wave with its
# strata, FPC and (optionally) raking. R computes the same estimator in its two limiting cases:
#   paired:      the same respondents in every wave (overlap m = n in every stratum, a stable frame).
#                The linked-panel covariance is then the stratified covariance with FPC, and the change
#                is R's svycontrast on the paired (wide) design: one row per person, y1, y2, y3.
#   independent: no respondent in two waves. The change is a contrast of two domains of the stacked
#                design with strata = wave x stratum and each wave's FPC (V_a + V_b).
# Regenerate (Debian r-base-core, r-cran-survey): Rscript tests/golden/make_golden_panel.R tests/golden
# Writes golden_panel_data.csv (long: one row per person and wave) and golden_panel.csv.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/golden"
options(survey.lonely.psu = "fail")
set.seed(20261206)
Nh <- c(a = 200, b = 150, c = 300)
nh <- c(a = 45, b = 35, c = 60)
h <- rep(names(nh), nh)
n <- length(h)
person <- sprintf("p%03d", seq_len(n))
sex <- sample(c("m", "v"), n, replace = TRUE, prob = c(0.55, 0.45))
grp <- sample(c("a", "b"), n, replace = TRUE)
eff <- rnorm(n, 0, 0.8)
w <- unname(Nh[h] / nh[h])
y <- sapply(1:3, function(t) round(3 + 0.1 * t + 0.3 * (grp == "b") * (t - 1) / 2 + (sex == "v") * 0.2
                                   + c(a = 0, b = 0.3, c = -0.2)[h] + eff + rnorm(n, 0, 0.6), 3))
d <- sapply(1:3, function(t) as.numeric(runif(n) < plogis(-1 + 0.2 * t + eff)))
long <- do.call(rbind, lapply(1:3, function(t)
  data.frame(person = person, golf = t, h = h, N_h = unname(Nh[h]), sex = sex, grp = grp, w = w,
             y = y[, t], d = d[, t])))
write.csv(long, file.path(out, "golden_panel_data.csv"), row.names = FALSE)
pop_sex <- c(`(Intercept)` = sum(Nh), sexv = 290)

rows <- list()
add <- function(design, what, term, r) {
  rows[[length(rows) + 1]] <<- data.frame(design = design, what = what, term = term,
                                          estimate = unname(coef(r))[1], se = unname(sqrt(diag(vcov(r))))[1])
}

# --- paired: the wide design ---------------------------------------------------------------------
wide <- data.frame(person = person, h = h, N_h = unname(Nh[h]), sex = sex, grp = grp, w = w,
                   y1 = y[, 1], y2 = y[, 2], y3 = y[, 3], d1 = d[, 1], d2 = d[, 2], d3 = d[, 3])
dw <- svydesign(ids = ~1, strata = ~h, fpc = ~N_h, weights = ~w, data = wide)
cw <- calibrate(dw, ~sex, population = pop_sex, calfun = "raking", epsilon = 1e-13, maxit = 100)
for (dn in c("paired", "paired_cal")) {
  des <- if (dn == "paired") dw else cw
  for (v in c("y", "d")) {
    m <- svymean(as.formula(paste0("~", v, "1 + ", v, "2 + ", v, "3")), des)
    add(dn, paste0("change_", v), "2-1", svycontrast(m, c(-1, 1, 0)))
    add(dn, paste0("change_", v), "3-1", svycontrast(m, c(-1, 0, 1)))
    add(dn, paste0("change_", v), "3-2", svycontrast(m, c(0, -1, 1)))
  }
  # domain means of the groups as ratios of totals (svyby's linearisation), contrasted by svycontrast
  des2 <- update(des, ia = as.numeric(grp == "a"), ib = as.numeric(grp == "b"),
                 ya1 = y1 * (grp == "a"), ya3 = y3 * (grp == "a"), yb1 = y1 * (grp == "b"), yb3 = y3 * (grp == "b"))
  tt <- svytotal(~ya1 + ya3 + yb1 + yb3 + ia + ib, des2)
  add(dn, "change_y_grp", "a", svycontrast(tt, quote(ya3 / ia - ya1 / ia)))
  add(dn, "change_y_grp", "b", svycontrast(tt, quote(yb3 / ib - yb1 / ib)))
  add(dn, "did", "tw:tg", svycontrast(tt, quote((yb3 / ib - yb1 / ib) - (ya3 / ia - ya1 / ia))))
  # the weighted least-squares slope over the stacked waves: the same weights in every wave and no
  # missing answers, so (mean3 - mean1) / 2 for years 0, 1, 2
  add(dn, "trend", "tt", svycontrast(svymean(~y1 + y2 + y3, des), c(-0.5, 0, 0.5)))
}

# --- independent: no person in two waves, the stacked design ---------------------------------------
ind <- transform(long, person = paste0(person, "-", golf), stratum = paste0(golf, "|", h),
                 sg = paste0(golf, sex))
di <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~w, data = ind)
pop_sg <- c(`(Intercept)` = 3 * sum(Nh), sg1v = 290, sg2m = sum(Nh) - 290, sg2v = 290, sg3m = sum(Nh) - 290,
            sg3v = 290)
ci <- calibrate(di, ~sg, population = pop_sg, calfun = "raking", epsilon = 1e-13, maxit = 100)
for (dn in c("independent", "independent_cal")) {
  des <- if (dn == "independent") di else ci
  # wave (and group x wave) domain means as ratios of totals, contrasted by svycontrast
  des2 <- update(des, i1 = as.numeric(golf == 1), i2 = as.numeric(golf == 2), i3 = as.numeric(golf == 3),
                 y1 = y * (golf == 1), y2 = y * (golf == 2), y3 = y * (golf == 3),
                 d1 = d * (golf == 1), d2 = d * (golf == 2), d3 = d * (golf == 3),
                 ia1 = as.numeric(golf == 1 & grp == "a"), ia3 = as.numeric(golf == 3 & grp == "a"),
                 ib1 = as.numeric(golf == 1 & grp == "b"), ib3 = as.numeric(golf == 3 & grp == "b"),
                 ya1 = y * (golf == 1 & grp == "a"), ya3 = y * (golf == 3 & grp == "a"),
                 yb1 = y * (golf == 1 & grp == "b"), yb3 = y * (golf == 3 & grp == "b"))
  tt <- svytotal(~i1 + i2 + i3 + y1 + y2 + y3 + d1 + d2 + d3 + ia1 + ia3 + ib1 + ib3 + ya1 + ya3 + yb1 + yb3, des2)
  add(dn, "change_y", "2-1", svycontrast(tt, quote(y2 / i2 - y1 / i1)))
  add(dn, "change_y", "3-1", svycontrast(tt, quote(y3 / i3 - y1 / i1)))
  add(dn, "change_y", "3-2", svycontrast(tt, quote(y3 / i3 - y2 / i2)))
  add(dn, "change_d", "2-1", svycontrast(tt, quote(d2 / i2 - d1 / i1)))
  add(dn, "change_d", "3-1", svycontrast(tt, quote(d3 / i3 - d1 / i1)))
  add(dn, "change_d", "3-2", svycontrast(tt, quote(d3 / i3 - d2 / i2)))
  add(dn, "change_y_grp", "a", svycontrast(tt, quote(ya3 / ia3 - ya1 / ia1)))
  add(dn, "change_y_grp", "b", svycontrast(tt, quote(yb3 / ib3 - yb1 / ib1)))
  add(dn, "did", "tw:tg", svycontrast(tt, quote((yb3 / ib3 - yb1 / ib1) - (ya3 / ia3 - ya1 / ia1))))
  # the stacked weighted least-squares slope: wave totals of the weights differ slightly here, so the
  # slope is written out as a function of totals, sum_t W_t (t - tbar)(ybar_t) / sum_t W_t (t - tbar)^2
  add(dn, "trend", "tt", svycontrast(tt, quote(
    (i1 * (0 - (i2 + 2 * i3) / (i1 + i2 + i3)) * (y1 / i1) + i2 * (1 - (i2 + 2 * i3) / (i1 + i2 + i3)) * (y2 / i2)
     + i3 * (2 - (i2 + 2 * i3) / (i1 + i2 + i3)) * (y3 / i3)) /
    (i1 * (0 - (i2 + 2 * i3) / (i1 + i2 + i3))^2 + i2 * (1 - (i2 + 2 * i3) / (i1 + i2 + i3))^2
     + i3 * (2 - (i2 + 2 * i3) / (i1 + i2 + i3))^2))))
}
write.csv(do.call(rbind, rows), file.path(out, "golden_panel.csv"), row.names = FALSE)
