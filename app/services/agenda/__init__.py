"""The référent's agenda: RDVs of a day or a week, slot conflicts, .ics and PDF exports."""
