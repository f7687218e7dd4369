"""Allocation engine: which resident makes which lot, on which days (pure Python + OR-Tools).

Stable API for the web app::

    from factory.scheduling import solve, parse_instance, check_plan, InstanceError

    inst = parse_instance(data)            # dict (FORMAT.md instance) -> Instance; raises InstanceError
    plan = solve(inst, time_limit=60,      # -> plan dict (FORMAT.md) with "stats"
                 progress=lambda pct, msg: ...,   # 0..100 and a phase name
                 cancel=threading.Event(),        # or a callable returning True to stop early
                 previous_plan=None,              # a plan dict to stay close to
                 workers=2)                       # CPU cores to use
    result = check_plan(inst, plan)        # CheckResult(valid, errors, figures)

``InstanceError`` messages name the key (``workers[3].hours: expected 14 numbers, got 13``) or the pin
(``pinned[0]: worker W3 cannot take O1 lot 2: no skill knitting``). ``plan["stats"]`` holds
``on_time_pieces``, ``weighted_on_time``, ``upper_bound`` (proven), ``bound_ratio``, ``travel_minutes``,
``workers_with_work``, ``solve_seconds``, ``status`` (OPTIMAL, FEASIBLE or CANCELLED), the fairness figures
``eligible_workers``, ``eligible_without_work``, ``priority_eligible``, ``priority_with_work``,
``earnings_per_hour_gini``, and, with a previous plan, ``previous_kept`` / ``previous_moved``.
Each ``unassigned`` entry has an English ``reason``, a ``code`` (``no_skill``, ``no_reachable_station``,
``no_time_before_due``, ``not_chosen``) and ``params`` for translation. An instance may list ``held`` lots
(given out before the run); the plan then has a ``kept`` list: the held lots it does not place, with the
days each is made on in the hours the plan leaves its worker (``schedule.kept_lots``).

Nothing here imports Flask or SQLAlchemy.
"""

from factory.scheduling.check import CheckResult, check_plan
from factory.scheduling.engine import greedy_plan, solve
from factory.scheduling.instance import Instance, InstanceError, parse_instance

__all__ = ["CheckResult", "Instance", "InstanceError", "check_plan", "greedy_plan", "parse_instance", "solve"]
