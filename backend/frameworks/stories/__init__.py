"""Stories: the interface in `base.py`, one module per framework."""
