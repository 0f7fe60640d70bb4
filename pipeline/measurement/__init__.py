"""Measurement invariance of the survey scales: multi-group CFA as lavaan fits it (`cfa`), the
configural/metric/scalar sequence with Chen's rule and partial invariance (`invariance`), and the
command line tool `python -m pipeline.measurement invariance` (`__main__`)."""
