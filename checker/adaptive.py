"""Adaptive probing: each stack-level question asked of a sample of paths, extended where the answers differ.

Most extra probes ask what the serving stack does, not what one route does: does it honour a method-override
header (checker/probes/override.py), how does it answer a made-up method token (unknown_method.py), does it
write a body after a HEAD (head_depth.py), how does it treat a trailing slash (slashes.py), are its answers
stable (the repeated GETs of rules/stability.py). A router answers those the same way for every route it
serves, and differently where a route has its own handler, middleware, mount or gateway rule -- which the
cells' own answers mostly show. So a default run (checker/engine.py):

1. sends every path's safe cells first (GET, HEAD, OPTIONS: no state changes, nothing held back);
2. gives each path a *behaviour key* (:func:`behaviour_key`) from its plan and those answers: the server it
   is served from, its trailing-slash spelling, and per safe cell the status, whether an ``Allow`` came, the
   media type and the ``Server`` header; the questions sent per declared method compare paths that declare
   the same ones (:func:`question_key`). A path whose answers point at a handler of its own -- a cell with no
   answer, a 5xx -- gets a key of its own, and so does the slash-twin question of a template that is another's
   up to parameter names (its twin may be routed there);
3. chooses, per question, the **sample** (:meth:`Sampler.choose`): in plan order, every path the question
   applies to while its key has fewer than :data:`QUOTA` sampled paths, or its first segment (the mount:
   ``/repos``, ``/orgs``) none that can show the behaviour (an override shows only where the method it names
   is declared), or its key is its own. A path sampled for one question is asked all of them
   (its writes come after its last safe probe, so nothing can be added later); the sample's extra probes and
   writes are sent;
4. decides, per question and key (:meth:`Sampler.decide`): the answers of the key's sampled paths are
   compared by :func:`answer_key` (the statuses, tags, HEAD body bytes, where a redirect points). When every
   sampled path answered, all answers are alike and none of them made a finding of the question's rules, the
   verdict -- conformant -- is **inferred** for the key's other paths, and nothing more is sent to them.
   Otherwise the question is **extended** to every path of the key, so a finding is shown on the path's own
   request -- except for a question the server may answer *before routing* (``Family.before_routing``: the
   made-up method, which an HTTP parser refuses before any route is looked up). When its sample answered alike
   and made a finding, the engine sends the same probe once to a path no route serves (:func:`unrouted_url`);
   if that answer is the very same (:func:`carry_key`: status, media type, body bytes, no redirect), the
   server did not route it, and the sample's answer is **carried over** to the key's other paths: recorded as
   each path's answer to its own request (``Observation.inferred_from``) and judged against that path's own
   cells, so the findings are the ones an exhaustive run makes, each saying where its answer came from;
5. sends the extension's probes, then every other path's writes (a path's writes always come after all of
   its safe probes, as in an exhaustive run: no safe probe sees what a write did).

``--exhaustive`` (``ProbeOptions.exhaustive``) makes every path a sample of every question. The report
says, per question, which paths were probed, inferred and carried over to (:meth:`Sampler.summary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from .observe import Observation
from .spec.model import SAFE_METHODS
from .spec.paths import twin_url

#: the question the engine's repeated GETs ask (checker/rules/stability.py); the others are probe families
STABILITY = "stability"
STABILITY_RULES = ("unstable-answer",)
#: sampled paths per question and behaviour key: two, so that a difference within a key can show
QUOTA = 2
#: sampled paths per question and first path segment (the mount a gateway or sub-application routes by)
PREFIX_QUOTA = 1


def behaviour_key(pp: Any, observations: Iterable[Observation]) -> tuple:
    """What the path's safe cells showed of the stack that serves it (paths with equal keys are answered by the
    same router the same way so far). A path that looks served by a handler of its own gets a key of its own."""
    template = pp.item.template
    split = urlsplit(pp.url)
    answers = []
    for o in sorted(observations, key=lambda o: (o.example, o.method)):
        if o.role != "probe" or o.method not in SAFE_METHODS or o.skipped:
            continue
        final = o.final
        if final is None or final.status is None or final.status >= 500:
            return ("own", template)  # no answer or a server error: nothing says the neighbours share it
        answers.append((o.method, final.status, len(o.chain) > 1, final.header("allow") is not None,
                        (final.header("content-type") or "").split(";", 1)[0].strip().lower(),
                        final.header("server") or ""))
    return (split.scheme, split.netloc, _base_path(pp), template.endswith("/"), tuple(answers))


def question_key(pp: Any, key: tuple, question: str) -> tuple:
    """The behaviour key a question compares paths by: the slash twins and the override probes are sent per
    declared method, so their answers compare only between paths that declare the same methods; the twin of
    a template that overlaps another (or is the same up to parameter names) may be routed to that other one,
    so its slash twins are its own question."""
    if key[0] == "own":
        return key
    if question == "slashes" and pp.twins:
        return ("own", pp.item.template)
    if question in ("slashes", "override"):
        return key + (tuple(sorted(c.method for c in pp.cells if c.declared)),)
    return key


def _base_path(pp: Any) -> str:
    """The server's base path the template is appended to (``/v2`` of ``https://h/v2/items``)."""
    path = urlsplit(pp.url).path
    template = pp.item.template.split("?", 1)[0]
    return path[: len(path) - len(template)] if template and path.endswith(template) else ""


#: the last segment of the URL no route serves (:func:`unrouted_url`)
UNROUTED = "c405-no-such-route"


def unrouted_url(pp: Any) -> str:
    """A URL on the path's server, under its base path, that no route of the document serves: a question
    answered the same there and on a route is answered before routing (the HTTP parser, the server)."""
    split = urlsplit(pp.url)
    return f"{split.scheme}://{split.netloc}{_base_path(pp)}/{UNROUTED}"


def carry_key(o: Observation) -> tuple | None:
    """What must be the very same for an answer to be carried over to another path: one exchange (no redirect),
    its status, media type and body bytes; None when it was not answered or was redirected."""
    final = o.final
    if o.skipped or o.inferred_from or len(o.chain) != 1 or final is None or final.status is None:
        return None
    return (o.tag, o.method, final.status, final.header("content-type") or "", final.body, final.body_size)


def prefix(pp: Any) -> str:
    """The template's first segment, the mount a gateway or a sub-application routes by."""
    return pp.item.template.lstrip("/").split("/", 1)[0]


def answer_key(observations: Iterable[Observation], question: str) -> tuple | None:
    """The answers of one path to one question, made comparable across paths; None when one of them was not
    answered (no request sent, or no HTTP answer): an unanswered sample proves nothing."""
    out = []
    for o in sorted(observations, key=lambda o: (o.example, o.method, o.tag)):
        final = o.final
        if o.skipped or final is None or final.status is None:
            return None
        where = ""
        if 300 <= final.status < 400 and o.chain:
            where = _points_to(o.chain[0].url, o.chain[0].header("location"))
        out.append((o.tag, o.method, final.status, len(o.chain), final.body_size > 0 if o.role == "head-raw" else None,
                    where))
    return tuple(out) if out else None


def _points_to(url: str, location: str | None) -> str:
    if not location:
        return "none"
    target = urlsplit(urljoin(url, location)).path
    if target == urlsplit(url).path:
        return "itself"
    twin = twin_url(url)
    return "twin" if twin is not None and target == urlsplit(twin).path else "elsewhere"


@dataclass
class _Question:
    name: str
    rules: tuple[str, ...]
    applies: list[str] = field(default_factory=list)  #: templates it applies to, in plan order
    sample: set[str] = field(default_factory=set)
    extended: set[str] = field(default_factory=set)  #: sent to them after the decision
    inferred: set[str] = field(default_factory=set)
    reasons: dict[tuple, str] = field(default_factory=dict)  #: behaviour key -> why it was extended
    #: answered before routing: a finding the sample shares with a path no route serves is carried over
    before_routing: bool = False
    carried: dict[str, str] = field(default_factory=dict)  #: template -> the sampled path whose answer it got
    #: the paths no route serves that were asked (by the engine): {"method", "url", "status"} each
    unrouted: list[dict[str, Any]] = field(default_factory=list)


class Sampler:
    """Which paths each stack-level question is asked of (:meth:`choose`), and where it is extended after the
    sample's answers (:meth:`decide`)."""

    def __init__(self, questions: dict[str, tuple[str, ...]], exhaustive: bool,
                 before_routing: Iterable[str] = ()) -> None:
        early = set(before_routing)
        self.questions = {name: _Question(name, rules, before_routing=name in early) for name, rules in questions.items()}
        self.exhaustive = exhaustive
        self.keys: dict[str, tuple] = {}
        self.qkeys: dict[tuple[str, str], tuple] = {}  #: (question, template) -> the key it is compared by

    def choose(self, paths: list[Any], applies: Callable[[str, str], bool],
               observations: Callable[[str], list[Observation]],
               informative: Callable[[Any, str], bool] = lambda pp, q: True) -> dict[str, set[str]]:
        """``{template: the questions its sample probes ask}``: every question of every path when exhaustive.
        A mount is covered only by a path whose answers can show the behaviour (``informative``)."""
        chosen: dict[str, set[str]] = {}
        for pp in paths:
            template = pp.item.template
            self.keys[template] = behaviour_key(pp, observations(template))
        for q in self.questions.values():
            per_key: dict[tuple, int] = {}
            per_prefix: dict[tuple, int] = {}
            for pp in paths:
                template = pp.item.template
                if not applies(template, q.name):
                    continue
                q.applies.append(template)
                key = self.qkeys[(q.name, template)] = question_key(pp, self.keys[template], q.name)
                mount = (key[:3], prefix(pp))
                shows = informative(pp, q.name)
                if (self.exhaustive or key[0] == "own" or per_key.get(key, 0) < QUOTA
                        or shows and per_prefix.get(mount, 0) < PREFIX_QUOTA):
                    q.sample.add(template)
                    per_key[key] = per_key.get(key, 0) + 1
                    per_prefix[mount] = per_prefix.get(mount, 0) + int(shows)
                    chosen.setdefault(template, set()).add(q.name)
        # a sampled path is asked every question that applies to it: its writes follow its last safe probe, so
        # nothing can be added to it once the sample's answers are in
        for template, asked in chosen.items():
            for q in self.questions.values():
                if q.name not in asked and template in q.applies:
                    asked.add(q.name)
                    q.sample.add(template)
        return chosen

    def carry_candidates(self, answers: Callable[[str, str], tuple | None], findings: Callable[[str], set[str]]
                         ) -> list[tuple[str, tuple, list[str]]]:
        """``(question, key, sampled paths)`` of every key whose sample answered alike and made a finding, for a
        question that can be answered before routing: :meth:`decide` carries their answer over when a path no
        route serves gets it too (the engine asks such a path first)."""
        return [(q.name, key, sampled) for q, key, sampled, rest in self._groups()
                if q.before_routing and rest and self._unlike(q, sampled, answers) is None
                and self._finding_on(q, sampled, findings) is not None]

    def decide(self, answers: Callable[[str, str], tuple | None], findings: Callable[[str], set[str]],
               carry: Callable[[str, tuple, list[str]], str | None] = lambda q, key, sampled: None
               ) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
        """``({template: the questions to extend to it}, {template: {question: the sampled path whose answer it
        is given}})``, from the sampled paths' answers (``answers(template, question)``: :func:`answer_key` of
        its probes), their findings' rule IDs (``findings(template)``) and, where a sample's finding answers a
        question that can come before routing, ``carry(question, key, sampled)``: the sampled path whose answer
        the key's other paths get (None: a path no route serves answered otherwise: it is the routes' answer)."""
        extend: dict[str, set[str]] = {}
        carried: dict[str, dict[str, str]] = {}
        for q, key, sampled, rest in self._groups():
            if not rest:
                continue
            why = self._unlike(q, sampled, answers)
            found = self._finding_on(q, sampled, findings) if why is None else None
            if why is None and found is None:
                q.inferred.update(rest)
                continue
            if found is not None:
                source = carry(q.name, key, sampled) if q.before_routing else None
                if source is not None:
                    for t in rest:
                        q.carried[t] = source
                        carried.setdefault(t, {})[q.name] = source
                    continue
                why = f"a finding on {found}" + (", and a path no route serves answered otherwise"
                                                  if q.before_routing else "")
            q.reasons[key] = why
            q.extended.update(rest)
            for t in rest:
                extend.setdefault(t, set()).add(q.name)
        return extend, carried

    def _groups(self) -> Iterator[tuple[_Question, tuple, list[str], list[str]]]:
        """Per question and key: the key's sampled paths and its other paths, in plan order."""
        for q in self.questions.values():
            by_key: dict[tuple, list[str]] = {}
            for template in q.applies:
                by_key.setdefault(self.qkeys[(q.name, template)], []).append(template)
            for key, templates in by_key.items():
                yield q, key, [t for t in templates if t in q.sample], [t for t in templates if t not in q.sample]

    @staticmethod
    def _unlike(q: _Question, sampled: list[str], answers: Callable[[str, str], tuple | None]) -> str | None:
        """Why the sample's answers say nothing of the key's other paths (None: every one answered, alike)."""
        keys = [answers(t, q.name) for t in sampled]
        if not sampled or any(k is None for k in keys):
            return "a sampled path got no answer"
        if len(set(keys)) > 1:
            return "the sampled paths answered differently"
        return None

    @staticmethod
    def _finding_on(q: _Question, sampled: list[str], findings: Callable[[str], set[str]]) -> str | None:
        """The first sampled path whose answers made a finding of the question's rules, or None."""
        return next((t for t in sampled if findings(t) & set(q.rules)), None)

    def summary(self) -> dict[str, Any]:
        """The report's account: per question, the paths probed, inferred and extended to, and why."""
        out: dict[str, Any] = {"mode": "exhaustive" if self.exhaustive else "adaptive", "questions": {}}
        for q in self.questions.values():
            if not q.applies:
                continue
            out["questions"][q.name] = {
                "applies": len(q.applies),
                "sampled": sorted(q.sample),
                "extended": sorted(q.extended),
                "inferred": sorted(q.inferred),
                "carried": sorted(q.carried),
                "extended_because": sorted(set(q.reasons.values())),
                **({"unrouted": q.unrouted} if q.unrouted else {}),
            }
        return out


#: how the report's note on sampling begins
NOTE_HEAD = "stack-level questions sampled"


def note(summary: dict[str, Any] | None) -> str | None:
    """The report's one-line account of what was inferred (None for an exhaustive run or nothing inferred)."""
    if not summary or summary.get("mode") != "adaptive":
        return None
    parts = []
    inferred_any = carried_any = False
    for name, q in summary["questions"].items():
        probed = len(q["sampled"]) + len(q["extended"])
        carried = q.get("carried") or ()
        if q["inferred"] or carried:
            inferred_any = True
            part = f"{name} asked of {probed} of {q['applies']} paths"
            if q["inferred"]:
                part += f", inferred for {len(q['inferred'])}"
            if carried:
                carried_any = True
                part += f", its answer carried over to {len(carried)}"
            parts.append(part)
        elif q["extended"]:
            parts.append(f"{name} asked of every path ({', '.join(q['extended_because'])})")
    if not inferred_any:
        return None
    text = (f"{NOTE_HEAD}: " + "; ".join(parts) + ". An inferred path got the sampled paths' verdict "
            "(conformant: alike answers, no finding)")
    if carried_any:
        text += ("; a carried-over answer (the sample's, which a path no route serves got too: the server answers "
                 "it before routing) is judged against each path's own cells, and its findings say so")
    return text + "; --exhaustive asks every path."
