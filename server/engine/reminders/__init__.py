"""RDV reminders sent by the département server (ADR 0036): the senders (SMTP, SMS gateway), the dispatch of due
reminders (claim, send, record: at most once each) and the background worker woken by uploads."""
