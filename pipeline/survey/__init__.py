"""Design-based survey estimation that agrees with R's survey package (see tests/golden/)."""
from pipeline.survey.design import DesignError, SurveyDesign, linked_panel, stack
from pipeline.survey.rake import RakeReport, RakingError, rake
from pipeline.survey.variance import LonelyPSUError

__all__ = ["SurveyDesign", "stack", "linked_panel", "rake", "RakeReport", "RakingError", "DesignError", "LonelyPSUError"]
