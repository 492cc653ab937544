"""Import of the département's monthly orientation lists (CSV) into the vault.

The reading, the matching and the plan are pure and shared with the server (:mod:`app.models.orientation_list`:
reader → rows → planner against a snapshot → report); this package applies the plan to the vault in one
transaction (:mod:`.apply`) and runs the whole flow for the UI and the ``import`` command (:mod:`.service`).
"""
