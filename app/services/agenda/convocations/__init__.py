"""Letters about a RDV (ADR 0035): convocations and invitations from a template per RDV purpose
(``resources/convocations/letters.yaml``), relances after an absence, printed one by one or for a day or a week.

Public API (what the window and the commands call):

- :func:`.letters.print_letter` — the letter of one RDV as PDF bytes (written to a file when asked), recorded as
  sent (an ``appointment_letter`` row, shown in the person's timeline) and audited « impression »;
- :func:`.letters.letter_states` — for RDV ids, the letters sent and the reminders' state (« Convoqué le … »);
- :func:`.letters.relance_proposal` — after a no-show, the relance to propose (None when there is none to send);
- :func:`.batch.plan_letters` / :func:`.batch.render_letters` — the letters of a day or a week, with progress
  and cancel, one PDF per letter in a folder or one PDF for all.
"""
