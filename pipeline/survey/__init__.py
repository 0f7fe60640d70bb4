"""Design-based survey estimation that agrees with R's survey package (see tests/golden/)."""
from pipeline.survey.design import DesignError, SurveyDesign, stack
from pipeline.survey.rake import RakeReport, RakingError, rake
from pipeline.survey.variance import LonelyPSUError

__all__ = ["SurveyDesign", "stack", "rake", "RakeReport", "RakingError", "DesignError", "LonelyPSUError"]
