# Golden values for the report's weighting (tests/test_survey_golden.py::test_trimmed_raking_*): raking to
# three margins (as the report rakes to several register margins) without and with trim bounds that bind,
# as R's calibrate(calfun = "raking", trim = ): a trimmed weight is clipped and the excess spread over the
# untrimmed units in proportion to their weight, so the margins are then missed (pipeline.weight reports and
# warns). Reads golden_data.csv (written by make_golden.R); writes golden_trim.csv and golden_trim_margins.csv.
#   Rscript tests/golden/make_golden_weighting.R tests/golden
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/golden"
options(survey.lonely.psu = "fail")
d <- read.csv(file.path(out, "golden_data.csv"))
des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~w, data = d)
# totals far from the sample's own shares, so some g leave [0.7, 1.5]
margins <- list(gender = c(man = 1300, vrouw = 1900, x = 110), ageband = c(a1 = 1500, a2 = 1000, a3 = 810),
                g2 = c(m = 2000, v = 1310))
pop <- c(`(Intercept)` = 3310, gendervrouw = 1900, genderx = 110, agebanda2 = 1000, agebanda3 = 810, g2v = 1310)
raked <- calibrate(des, ~gender + ageband + g2, population = pop, calfun = "raking", epsilon = 1e-13, maxit = 100)
trimmed <- suppressMessages(calibrate(des, ~gender + ageband + g2, population = pop, calfun = "raking",
                                      epsilon = 1e-13, maxit = 100, trim = c(0.7, 1.5)))
m_raked <- svymean(~y, raked, na.rm = TRUE)
m_trim <- svymean(~y, trimmed, na.rm = TRUE)
write.csv(data.frame(w_raked = weights(raked), w_trimmed = weights(trimmed)),
          file.path(out, "golden_trim.csv"), row.names = FALSE)
write.csv(data.frame(var = rep(names(margins), sapply(margins, length)), level = unlist(lapply(margins, names)),
                     N = unlist(margins), trimmed_total = unlist(lapply(names(margins), function(v)
                       as.numeric(svytotal(as.formula(paste0("~", v)), trimmed)))),
                     mean_raked = as.numeric(coef(m_raked)), se_raked = as.numeric(SE(m_raked)),
                     mean_trimmed = as.numeric(coef(m_trim)),
                     se_trimmed = as.numeric(SE(m_trim))),
          file.path(out, "golden_trim_margins.csv"), row.names = FALSE)
