# Golden values for issue 26. SurveyDesign.nested_difference (careless-responding sensitivity): the mean
# of y in a domain minus its mean over the whole design, on one design, as a contrast of totals.
# Regenerate (Debian r-base-core, r-cran-survey): Rscript tests/golden/make_golden_issue26.R tests/golden
# Reads golden_data.csv (written by make_golden.R); writes golden_nested.csv and golden_versus_rest.csv.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/golden"
options(survey.lonely.psu = "fail")
d <- read.csv(file.path(out, "golden_data.csv"), stringsAsFactors = FALSE)
des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~w, data = d)
pop <- c(`(Intercept)` = 3310, gendervrouw = 1600, genderx = 110, agebanda2 = 1200, agebanda3 = 1010)
cal <- calibrate(des, ~gender + ageband, population = pop, calfun = "raking", epsilon = 1e-13, maxit = 100)
rows <- list()
for (dn in c("strat", "cal")) {
  design <- if (dn == "strat") des else cal
  for (inner in c("b_or_c", "not_d")) {
    c_in <- if (inner == "b_or_c") as.numeric(d$g %in% c("b", "c")) else as.numeric(d$g != "d")
    v <- as.numeric(!is.na(d$y))
    y0 <- ifelse(is.na(d$y), 0, d$y)
    design2 <- update(design, yc = y0 * c_in * v, cv = c_in * v, yv = y0, vv = v)
    t <- svytotal(~yc + cv + yv + vv, design2)
    r <- svycontrast(t, quote(yc / cv - yv / vv))
    rows[[length(rows) + 1]] <- data.frame(design = dn, inner = inner, difference = coef(r)[[1]],
                                           se = sqrt(vcov(r)[1, 1]))
  }
}
write.csv(do.call(rbind, rows), file.path(out, "golden_nested.csv"), row.names = FALSE)

# Each group of g against the REST (the group left out of the reference): a contrast of two disjoint
# domains of one design (their two domain means as ratios of totals, svycontrast by the delta method,
# the same linearisation as svyby's domain means), as pipeline.analysis.gaps.versus_rest.
rows <- list()
for (dn in c("strat", "cal")) {
  design <- if (dn == "strat") des else cal
  for (lv in sort(unique(d$g))) {
    v <- as.numeric(!is.na(d$y))
    y0 <- ifelse(is.na(d$y), 0, d$y)
    inn <- as.numeric(d$g == lv)
    design2 <- update(design, yi = y0 * inn * v, ci = inn * v, yo = y0 * (1 - inn) * v, co = (1 - inn) * v)
    r <- svycontrast(svytotal(~yi + ci + yo + co, design2), quote(yi / ci - yo / co))
    rows[[length(rows) + 1]] <- data.frame(design = dn, group = lv, difference = coef(r)[[1]],
                                           se = sqrt(vcov(r)[1, 1]))
  }
}
write.csv(do.call(rbind, rows), file.path(out, "golden_versus_rest.csv"), row.names = FALSE)
