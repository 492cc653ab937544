"""Bilans and joint reviews with France Travail (issue #17, ADR 0050 and 0051): records, their pre-filling from
the carnet de bord, the next step a recommendation opens (renewal draft, avenant draft, réorientation asked,
exit), and the bilan PDF the person keeps."""
