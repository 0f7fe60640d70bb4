"""Synthetic demo data with planted, machine-readable truth (see config/synth.yaml)."""
from pipeline.synth.generate import generate

__all__ = ["generate"]
