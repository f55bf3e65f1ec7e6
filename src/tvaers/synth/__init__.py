"""Synthetic Denmark: population, CPR facts, organisations, LPR3-like hospital data,
municipal delivery reports and person-level ground truth, all derived from a seed."""
