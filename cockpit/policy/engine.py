"""`Policy`: the built-in rules plus the workspace's, the session grants, and one call to
classify an action."""

from __future__ import annotations

from pathlib import Path

from cockpit.config.user import config_dir
from cockpit.config.workspace import Workspace, builtin_dir
from cockpit.errors import ConfigError, PolicyError
from cockpit.policy.classify import Classifier
from cockpit.policy.model import Assessment, Decision, FileAction, RuleRef, ShellAction, Tier
from cockpit.policy.paths import PathContext
from cockpit.policy.rules.grants import REFUSED_WRAPPERS, Grant, grant_for_invocation
from cockpit.policy.rules.loading import check_unique, load_rule_file, rule_files
from cockpit.policy.rules.matching import Check, Rule, RuleSet
from cockpit.policy.scope import WriteScope, within_scope
from cockpit.policy.subjects import Evaluation, Subject

DEFAULT_RULES = "default.yaml"


class Policy:
    """The policy of one workspace. `classify` is pure and never raises."""

    def __init__(self, ruleset: RuleSet, paths: PathContext, files: tuple[str, ...]) -> None:
        self.ruleset = ruleset
        self.paths = paths
        self.files = files
        self._grants: list[Grant] = []
        self._classifier = Classifier(ruleset, paths, self._current_grants)

    @classmethod
    def load(
        cls,
        workspace_root: Path,
        *,
        home: Path | None = None,
        temp_dir: Path | None = None,
        plan: Path | None = None,
        keys: Path | None = None,
        rules_from: Path | None = None,
    ) -> Policy:
        """The built-in rules and `<root>/.cockpit/rules/*.yaml`; a bad file raises
        ConfigError naming file:line and what is wrong. `home` and `temp_dir` default to the
        real ones (tests pass fakes); `plan` (the session's plan.md, `<root>/plan.md` by
        default) is the human's: any write to it is tier 3; `keys` (cockpit's log key folder,
        where `config_dir` says by default) is a credential: reaching it is tier 3;
        `rules_from`: the workspace whose `.cockpit/rules` apply (`workspace_root` by
        default; an agent's worktree takes its repository's)."""
        root = Path(workspace_root)
        paths = PathContext(
            root,
            home if home is not None else Path.home(),
            temp_dir,
            plan,
            keys if keys is not None else config_dir(),
        )
        builtin = builtin_dir("rules") / DEFAULT_RULES
        if not builtin.is_file():
            raise PolicyError(f"built-in rules not found at {builtin}")
        checks: dict[str, Check] = {}
        rules = load_rule_file(
            builtin,
            f"rules/{DEFAULT_RULES}",
            builtin=True,
            root=paths.root,
            home=paths.home,
            checks=checks,
        )
        files = [f"rules/{DEFAULT_RULES}"]
        for path in rule_files(Workspace(rules_from or root).rules_dir):
            display = f".cockpit/rules/{path.name}"
            rules.extend(
                load_rule_file(
                    path, display, builtin=False, root=paths.root, home=paths.home, checks=checks
                )
            )
            files.append(display)
        check_unique(rules)
        policy = cls(RuleSet(checks, rules), paths, tuple(files))
        policy.check_examples()
        return policy

    def rooted(self, root: Path, *, rules_from: Path) -> Policy:
        """This policy for an agent working in ``root`` (its worktree): the same rules, read
        again so their paths are that folder's, and the same session grants (a grant the
        human gave holds for every agent of the session)."""
        paths = self.paths
        policy = Policy.load(
            root,
            home=Path(paths.home_display),
            temp_dir=Path(paths.tmp),
            plan=Path(paths.plan) if paths.plan else None,
            keys=Path(paths.keys) if paths.keys else None,
            rules_from=rules_from,
        )
        policy._grants = self._grants
        return policy

    # -- classification -----------------------------------------------------------------

    def classify(self, action: ShellAction | FileAction) -> Decision:
        """The decision for `action`; anything that goes wrong is tier 3."""
        try:
            return self._classifier.decide(action)
        except Exception as exc:  # fail closed, never crash the agent loop
            return self._unclassifiable(exc)

    def assess(
        self, action: ShellAction | FileAction, scope: WriteScope | None = None
    ) -> Assessment:
        """The decision for one agent's `action`, its write `scope` included, and the real
        paths a shell command would write, in one pass.

        Out of scope (a write there, or one whose target cannot be known) is a deny naming
        the agent file as its rule. Any failure is tier 3 with one unknown target.
        """
        writes: list[str | None] = [None]
        try:
            evaluation = self._classifier.evaluate(action)
        except Exception as exc:  # fail closed, never crash the agent loop
            decision = self._unclassifiable(exc)
        else:
            decision, writes = evaluation.decision, _writes(evaluation)
        if scope is not None:
            root = Path(self.paths.root_lexical)
            decision = within_scope(decision, action, writes, scope, root)
        known = tuple(w for w in writes if w is not None)
        return Assessment(decision, known if isinstance(action, ShellAction) else ())

    def _unclassifiable(self, exc: Exception) -> Decision:
        check = self.ruleset.checks.get("internal-error")
        ref = check.ref if check else RuleRef("builtin:internal-error", "builtin")
        return Decision(
            Tier.ASK,
            (f"cockpit could not classify this ({type(exc).__name__}: {exc}); asking to be safe",),
            (ref,),
        )

    def evaluate(self, action: ShellAction | FileAction) -> Evaluation:
        """The decision with every subject it was built from (for tools and tests)."""
        return self._classifier.evaluate(action)

    # -- rules ----------------------------------------------------------------------------

    @property
    def checks(self) -> dict[str, Check]:
        return self.ruleset.checks

    @property
    def rules(self) -> list[Rule]:
        return self.ruleset.rules

    def check_examples(self) -> None:
        """Every rule's `match` examples must match it and its `not_match` ones must not."""
        root = Path(self.paths.root)
        for rule in self.ruleset.rules:
            for example in rule.match:
                if not self._example_hits(rule, example.command, root):
                    raise ConfigError(
                        f"{example.source}: rule {rule.id!r}: match example "
                        f"{example.command!r} does not match this rule"
                    )
            for example in rule.not_match:
                if self._example_hits(rule, example.command, root):
                    raise ConfigError(
                        f"{example.source}: rule {rule.id!r}: not_match example "
                        f"{example.command!r} matches this rule"
                    )

    def _example_hits(self, rule: Rule, command: str, root: Path) -> bool:
        evaluation = self._classifier.evaluate(ShellAction(command, root))
        return any(item.ref == rule.ref for s in evaluation.subjects for item in s.items)

    # -- grants ---------------------------------------------------------------------------

    def _current_grants(self) -> tuple[Grant, ...]:
        return tuple(self._grants)

    @property
    def grants(self) -> tuple[Grant, ...]:
        return tuple(self._grants)

    def grant_for(self, action: ShellAction) -> Grant | None:
        """The narrow session rule to offer for `action`, or None when it must not be
        offered (see `grant_refusal` for why)."""
        return self._offer(action)[0]

    def grant_refusal(self, action: ShellAction) -> str | None:
        """Why no session grant is offered for `action`, or None when one is."""
        return self._offer(action)[1]

    def _offer(self, action: ShellAction) -> tuple[Grant | None, str | None]:
        try:
            evaluation = self._classifier.evaluate(action)
        except Exception as exc:
            return None, f"cockpit could not classify this ({type(exc).__name__})"
        tier = evaluation.decision.tier
        if tier is Tier.DENY:
            return None, "a rule denies this; a grant cannot allow it"
        if tier is not Tier.ASK:
            return None, f"tier {tier} runs without asking; there is nothing to allow"
        risky = [s for s in evaluation.subjects if s.tier >= Tier.ASK]
        if not risky:  # tier 3 only as a whole: the network would reach the other programs
            return None, evaluation.decision.reasons[0]
        other = [s for s in risky if s.kind != "command" or s.inv is None]
        if other:
            return None, f"the risk is not the program itself: {_first_reason(other[0])}"
        programs: dict[tuple[str, ...], Grant] = {}
        for subject in risky:
            assert subject.inv is not None
            if subject.script:
                return None, f"it runs inside {subject.script}: shells can run anything"
            wrapper = next((w for w in subject.inv.via if w.split()[0] in REFUSED_WRAPPERS), None)
            if wrapper is not None:
                return None, f"it runs through {wrapper}, which can run anything"
            covers = tuple(sorted({i.ref.id for i in subject.kept if i.tier is Tier.ASK}))
            grant, refusal = grant_for_invocation(subject.inv, covers)
            if grant is None:
                return None, refusal
            key = (grant.program, *grant.args)
            previous = programs.get(key)
            if previous is not None:
                covers = tuple(sorted(set(previous.covers) | set(grant.covers)))
                grant = Grant(grant.program, grant.args, covers)
            programs[key] = grant
        if len(programs) != 1:
            names = ", ".join(g.pattern for g in programs.values())
            return None, f"more than one program needs approval ({names})"
        return next(iter(programs.values())), None

    def add_grant(self, grant: Grant) -> None:
        if grant not in self._grants:
            self._grants.append(grant)

    def revoke_grant(self, grant: Grant | str) -> bool:
        """Remove a grant (or the grant with this id); False when there was none."""
        for existing in self._grants:
            if existing == grant or existing.id == grant:
                self._grants.remove(existing)
                return True
        return False


def _writes(evaluation: Evaluation) -> list[str | None]:
    """The real paths written or deleted; None for a target that cannot be known."""
    return [s.real for s in evaluation.subjects if s.kind == "path" and s.op in ("write", "delete")]


def _first_reason(subject: Subject) -> str:
    return next((i.reason for i in subject.kept if i.tier >= Tier.ASK), "")
