"""plan.md: the human's steering wheel. Parse, render byte for byte, diff, watch, update.

- `model`     `Task`, `Phase`, `PlanProblem`, `STATES`: the vocabulary
- `parse`     plan.md's lines -> phases, tasks and problems
- `document`  `Plan` and `load_plan`: a parsed plan that renders back byte for byte
- `diff`      `PlanDiff` and `diff_plans`: what changed between two versions
- `update`    `TaskUpdate` and `update_task`: an agent's status edit, in place
- `watch`     `PlanWatcher`: plan.md edited on disk (watchfiles)
- `order`     `PlanOrder`: what each task of an ordered plan waits for (phases, ``[P]``,
              ``after:``), and the problems (cycles, unknown ids) with their lines
- `replan`    the lead's edits: a task added, a task given to another agent

Import each name from its own module: reading plan.md (for the screen's first frame) must
not wait for the file watcher or the diff and update code. This package imports nothing.

The format, exactly:

* **Lines.** Only ``\\n`` ends a line; ``\\r\\n`` files stay CRLF. A plan is its lines: every
  byte the parser does not understand (prose, links, notes, code, odd whitespace, a missing
  final newline, invalid UTF-8) is kept and rendered back unchanged.
* **Phases.** Every heading, ATX (``#`` .. ``######``) or setext (a top-level paragraph
  underlined with ``===`` or ``---``), starts a phase named by its text. Tasks before the
  first heading have the phase ``""``.
* **Tasks.** A list item whose text starts with a checkbox::

      INDENT BULLET WS "[" MARK "]" WS TITLE [WS "@" OWNER]...
      BULLET = "-" | "*" | "+" | DIGITS "." | DIGITS ")"      MARK = " " | "x" | "X"

  The trailing ``@owner`` word is the owner (agent names: letters, digits, ``_ . -``); a
  ``@name`` inside the title is just text. Several trailing owners are a problem (the last
  counts). A task nested under another task is a task too; without its own owner it
  inherits the enclosing task's. ``[-]``, ``[~]``, ``[/]`` and friends are reported, not tasks.
* **Task lines.** Lines indented deeper than the task's bullet, anywhere inside its list
  item, are its attributes when they read (key in any case)::

      verify: COMMAND              several allowed; `COMMAND` in backticks is unwrapped
      status: STATE [SEP NOTE]     STATE = todo | doing | blocked | done
                                   SEP = "—" | "–" | "--" | "-" | ":" (or just a space)

  Agents write ``status: STATE — NOTE`` (an em dash) or ``status: STATE``. The checkbox
  wins: ``[x]`` is always ``done``; ``[ ]`` with ``status: done`` is ``todo`` (reopened);
  no status line means ``todo``. A ``verify:``/``status:`` line under no task is a problem.
* **Not tasks.** Anything inside fenced code blocks (`````/``~~~``, at any indent), indented
  code blocks outside lists, HTML comments that start a line (``<!-- - [ ] off -->``), and
  YAML front matter.
* **Ids.** ``slug(phase)/slug(title)`` (just ``slug(title)`` before any heading), stable
  across edits elsewhere and owner changes; a repeated title in a phase gets ``-2``, ``-3``.
  A title may start with its own id, ``#login Build the login``: the id is then ``login``.
* **Order** (all optional; a plan that uses none of it is not scheduled)::

      ## Phase 2: Build [P]        a heading ending in [P] or (parallel): its tasks at once
      gate: make test              at the start of a line in a phase: must pass on the
                                   integration state before the next phase opens
      - [ ] [P] #api Build it @back    [P]: runs beside its [P] neighbours
            after: #schema, #auth      waits for these tasks (same or earlier phase)
            iterations: 3              the escape hatch's budget for this task
            shifts: 1

  See `order` for how a plan with order is scheduled.
"""
