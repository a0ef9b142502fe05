"""The RAS domain: model definitions and their checks, scoring and calibration. No I/O."""
