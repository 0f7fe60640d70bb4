"""Clean and harmonise raw sources into the validated, pseudonymised analysis set."""
from pipeline.clean.errors import InputError, Problem
from pipeline.clean.run import clean_frame, clean_source

__all__ = ["InputError", "Problem", "clean_frame", "clean_source"]
