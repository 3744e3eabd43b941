"""The matcher: a cohort's registrations into mentoring pairs and small groups.

Pure domain code: frozen dataclasses in, frozen dataclasses out (``types``); no Flask, no database.
``goals`` tokenises goals texts, ``cohort`` holds the cohort as arrays and scores.

Entry points
------------
``solver.match(registrations, settings, locked)``
    Suggested groups for the whole cohort at once, computed as an optimal weighted matching.
``greedy.greedy_match(...)``
    The baseline: candidate relationships sorted by score, the best feasible one taken each time.
``explain.evaluate_group(...)``
    Score and reasons of any group (a locked one, or one the facilitator edited by hand).
``checks.check_result(registrations, result)``
    Every rule the result breaks, in words (an empty list means none).
``checks.group_problems(registrations_by_id, group)``
    What is wrong with one hand-made group, as reasons (``HARD_PROBLEM_CODES`` never overridable).
``reasons.describe(reason, gettext)`` / ``reasons.render(reason, gettext)``
    A reason as a message id with parameters, or as a localised sentence.

The rules
---------
Forms of mentoring and the roles in them:

* **traditional** and **reverse**: one mentor and one aktori. Both must accept the form. Reverse
  mentoring is the form where the (typically less experienced) mentor guides in their own strength,
  so it also needs a theme fit: something the mentor offers is something the aktori wants. A pair
  whose common forms include traditional is labelled traditional, otherwise reverse.
* **group**: one mentor with exactly two aktoris. The mentor has capacity 2, all three accept the
  form, the three share a language and none of them is on another's must-not-pair list.
* **peer**: two peers, each mentor in their own area and aktori in the other's. Both must wish to be
  a peer (or wish "any") and accept the peer form.

Role wishes: ``mentor`` can only be a mentor, ``aktori`` only an aktori, ``peer`` only a peer, and
``any`` whichever gives the best result for the whole cohort. A person is always used once.

Hard constraints: a shared language, forms as above, role wishes, must-not-pair (symmetric; never
broken, not even for a nomination), capacity. Locked groups are kept as they are and their members
take no part in matching.

Score of a mentor-aktori relationship (a group scores the sum of its two relationships)::

    base + theme * (share of the aktori's wanted themes the mentor offers)
         + goals * (TF-IDF cosine similarity of the two goals texts)
         + cross_organisation (only when the setting prefers cross-organisation pairs)
         + nomination bonus

A peer pair counts the theme term in both directions. The nomination bonus is ``nomination`` for a
one-sided nomination (either way) and ``Weights.mutual_nomination`` for a mutual nomination of two
people who could form a pair; that weight is derived from the others so that it dominates: a mutual
nomination is kept whenever it is possible at all.

The solver
----------
With role wish "any" and peers, who may sit on either side of a relationship, matching is a
weighted matching in a general (non-bipartite) graph; groups (a mentor with two aktoris who must
also suit each other) make it a small 3-dimensional matching problem, NP-hard in general. We use
SciPy's ``linear_sum_assignment`` on the symmetric "double cover" of the graph: an N x N matrix (one
row and one column per person, plus a second *slot* node for each mentor who can run a group) whose
entries are relationship scores, ``-inf`` where forbidden and ``0`` on the diagonal (unmatched). An
optimal permutation decomposes into 2-cycles (pairs), fixed points (unmatched) and longer cycles;
half its value bounds every feasible result from above. Even cycles split into two matchings of
equal value, so if there is no odd cycle and the slot rules hold (a slot is used only by a group
mentor whose primary node mentors the other aktori, both accept the group form and may meet
together) the relaxation is the optimum.

Otherwise, in order:

1. *Lagrangian prices* on the slot rule (a used slot needs a group-mentoring primary node): slot
   edges cost a price, the mentor's group edges earn it. Any prices >= 0 keep the relaxation an
   upper bound; a few subgradient rounds (Polyak steps) tighten it a lot.
2. *Polish*: fix every mentor's mode as in the best result so far (group mode, or the slot closed)
   and "dive": re-solve, fix every remaining broken rule by a local choice, repeat.
3. *Branch and bound*, best bound first: on an odd cycle, one child per vertex that must not be
   matched inside the cycle; on a slot conflict, either the slot is closed or the mentor is
   restricted to group mentoring (either way that mentor's price drops to zero, keeping the bound
   valid); on an invalid trio, one of the two aktoris leaves the mentor; on a lone group-only
   aktori, either they leave or the mentor must fill both slots. Every branching covers all
   feasible results, so the search is exact. Every node also yields a feasible result (the
   relaxation repaired, then a greedy fill of whoever is left).

The work is limited by a deterministic budget of assignment problems (no wall-clock limits: the
same input always gives the same result). Small cohorts (a hundred or so) are solved to proven
optimality; when the budget runs out first, the result is the best one found, never worse than
the greedy baseline (computed then, and used if it were better), with ``MatchingResult.optimal``
False and ``MatchingResult.upper_bound`` bounding the optimum. Registrations are sorted by id
first, so ties always go the same way: the lower id first, mentoring before peer mentoring.
"""
