"""The équipe pluridisciplinaire (CASF L.262-39; ADR 0040): the référent's saisine with the facts of the file
attached by reference (:mod:`.referrals`, :mod:`.facts`), the secretariat's séances and their agenda
(:mod:`.seances`), the hearing, the avis and the président du conseil départemental's décision with its
consequence in the file (:mod:`.decisions`), the convocation letter (:mod:`.convocation`, :mod:`.letter`), and
the read models of the screens and of ``python -m app ep list`` (:mod:`.views`). Who is signed in, and in which
role, is :mod:`.access`."""
