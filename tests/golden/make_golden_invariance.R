# Goldens for pipeline.measurement (issue 28): lavaan's multi-group CFA fit per invariance step.
# Run from the repository root: Rscript tests/golden/make_golden_invariance.R
# Writes tests/golden/invariance_hs_data.csv (HolzingerSwineford1939 with a made-up weight) and
# tests/golden/golden_invariance.csv (one row per data set, model, weighting and step). Reads
# tests/golden/invariance_demo_data.csv when present: the demo NIM 2024 extract that
# tests/golden/export_invariance_demo.py writes from a demo build (run that first).
suppressMessages(library(lavaan))
out <- "tests/golden"
hs <- HolzingerSwineford1939
# a made-up sampling weight, deterministic: exercises lavaan's sampling.weights semantics
hs$w <- 0.5 + (hs$id %% 7) / 4
write.csv(hs[, c("id", "school", "sex", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "w")],
          file.path(out, "invariance_hs_data.csv"), row.names = FALSE)

steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
measures <- c("chisq", "df", "npar", "cfi", "rmsea", "srmr")
rows <- list()
run <- function(label, model, data, group, weights = NULL, partial = character(0)) {
  for (step in names(steps)) {
    fit <- cfa(model, data = data, group = group, group.equal = steps[[step]],
               group.partial = if (step == "scalar") partial else "",
               sampling.weights = weights)
    fm <- fitMeasures(fit, measures)
    rows[[length(rows) + 1]] <<- data.frame(case = label, step = step, t(unclass(fm)))
  }
}
hs_model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
run("hs_school", hs_model, hs, "school")
run("hs_school_weighted", hs_model, hs, "school", weights = "w")
run("hs_school_partial_x3_x7", hs_model, hs, "school", partial = c("x3~1", "x7~1"))
run("hs_sex_visual", "visual =~ x1 + x2 + x3 + x9", hs, "sex")
run("hs_school_cross", "visual =~ x1 + x2 + x3 + x9; speed =~ x7 + x8 + x9", hs, "school")
demo <- file.path(out, "invariance_demo_data.csv")
if (file.exists(demo)) {
  d <- read.csv(demo)
  bel <- "belonging =~ b01 + b02 + b03 + b04 + b05 + b06 + b07 + b08"
  aut <- "authenticity =~ a01 + a02 + a03 + a04 + a05 + a06 + a07 + a08"
  run("demo_belonging", bel, d, "herkomst_oud")
  run("demo_belonging_weighted", bel, d, "herkomst_oud", weights = "w")
  run("demo_two_factors", paste(bel, aut, sep = "; "), d, "herkomst_oud")
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out, "golden_invariance.csv"), row.names = FALSE)
writeLines(paste("lavaan", as.character(packageVersion("lavaan"))), file.path(out, "golden_invariance_versions.txt"))
print(res)
