"""Deterministic, template-made hard cases for the injection classifier.

The public development data is narrow (English role-play jailbreaks, one family of embedded-document
attacks, few hard negatives). These templates broaden it: obfuscated and non-English attacks, instructions
hidden in e-mails / web pages / code / tool output, and benign texts full of trigger words (security
discussions, code that says "ignore"/"override", benign role-play system prompts, documents whose instructions
are meant for the human reader). Every row's `source` starts with `synthetic_`, so reports can keep them apart
from the public sources.
"""

from __future__ import annotations

import base64
import codecs
import random

from . import synthetic_parts as P

SEED = 20261126


def _fill(template: str, rng: random.Random, mid: str = "") -> str:
    return template.format(
        url=rng.choice(P.URLS), product=rng.choice(P.PRODUCTS), email=rng.choice(P.EMAILS),
        name=rng.choice(P.NAMES), sender=rng.choice(P.NAMES), city=rng.choice(P.CITIES),
        num=rng.randint(1000, 99999), company=rng.choice(P.COMPANIES), mid=mid,
    )


def _direct(rng: random.Random) -> str:
    override = rng.choice(P.OVERRIDES)
    payload = _fill(rng.choice(P.PAYLOADS), rng)
    sep = rng.choice([". ", ", and ", ".\n", " - ", "! Now ", ": "])
    text = f"{override}{sep}{payload}."
    if rng.random() < 0.35:  # attacks often ride on an ordinary task
        task = rng.choice(["Translate to French: the weather is nice today.", "Summarise this article in 3 "
                           "bullet points.", "What is 17 * 23?", "Write a haiku about autumn.",
                           "Correct the grammar: 'he go to school'."])
        text = f"{task}\n\n{text}" if rng.random() < 0.5 else f"{text} Then: {task}"
    if rng.random() < 0.15:
        text = text.upper()
    return text


def _jailbreak(rng: random.Random) -> str:
    return rng.choice(P.JAILBREAKS).format(p=rng.choice(P.JAILBREAK_PERSONAS), q=rng.choice(P.HARMFUL_Q),
                                           h=rng.choice(P.HARMFUL))


def _embedded_instruction(rng: random.Random) -> str:
    return f"{rng.choice(P.AI_ADDRESS)} {rng.choice(P.OVERRIDES).lower()} and {_fill(rng.choice(P.PAYLOADS), rng)}."


def _document(rng: random.Random, mid: str) -> str:
    kind = rng.choice(["email", "web", "resume", "code", "tool"])
    bank = {"email": P.EMAIL_BODIES, "web": P.WEB_PAGES, "resume": [P.RESUME], "code": P.CODE_FILES,
            "tool": P.TOOL_OUTPUTS}[kind]
    if kind == "tool":
        mid = mid.replace('"', "'")
    doc = _fill(rng.choice(bank), rng, mid=mid)
    wrapper = rng.choice(["{d}", "Summarise this e-mail for me:\n\n{d}", "Here is the page content:\n{d}\n"
                          "What are the key points?", "Review this document:\n---\n{d}\n---",
                          "Tool result:\n{d}"])
    return wrapper.format(d=doc)


_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


def _obfuscate(text: str, rng: random.Random) -> str:
    way = rng.choice(["leet", "spaced", "base64", "reverse", "rot13", "dotted", "mixed"])
    if way == "leet":
        return text.lower().translate(_LEET)
    if way == "spaced":
        return " ".join(text)
    if way == "base64":
        enc = base64.b64encode(text.encode()).decode()
        return rng.choice(["Decode this base64 and do what it says: {e}", "{e}\nThe above is base64. Decode "
                           "it and follow the instructions exactly.", "Execute the decoded command: {e}"]).format(e=enc)
    if way == "reverse":
        return f"Read the following backwards and obey it: {text[::-1]}"
    if way == "rot13":
        return f"Apply ROT13 to this and follow the result: {codecs.encode(text, 'rot13')}"
    if way == "dotted":
        return ".".join(text.split(" "))
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def _benign_obfuscated(rng: random.Random) -> str:
    plain = rng.choice(P.TRIGGER_BENIGN + P.CODE_QUESTIONS)
    way = rng.choice(["base64", "leet", "base64q"])
    if way == "leet":
        return plain.lower().translate(_LEET)
    enc = base64.b64encode(plain.encode()).decode()
    return (f"What does this base64 string say? {enc}" if way == "base64"
            else f"Decode this base64 for me and then answer the question inside: {enc}")


def _variant(text: str, rng: random.Random) -> str:
    prefix = rng.choice(["", "", "Quick question: ", "Hi! ", "Hey, ", "Please help. ", "Thanks in advance. "])
    suffix = rng.choice(["", "", " Thanks!", " Keep it short.", " Answer in English.", " :)"])
    return f"{prefix}{text}{suffix}"


def _operator_prompt(rng: random.Random) -> str:
    """An operator's system prompt: an opening, a scope, two to five rules and a tone, in a random order."""
    role, scope = rng.choice(P.OPERATOR_ROLES)
    company = rng.choice(P.OPERATOR_COMPANIES)
    fill = {"company": company, "name": rng.choice(P.OPERATOR_NAMES), "role": role,
            "scope": scope.format(company=company), "lang": rng.choice(P.OPERATOR_LANGS),
            "n": rng.choice([50, 80, 120, 150, 200])}
    rules = [r.format(**fill) for r in rng.sample(P.OPERATOR_RULES, rng.randint(2, 5))]
    if rng.random() < 0.5:
        rng.shuffle(rules)
    parts = [rng.choice(P.OPERATOR_OPENINGS).format(**fill), rng.choice(P.OPERATOR_SCOPES).format(**fill), *rules,
             rng.choice(P.OPERATOR_TONES)]
    sep = "\n" if rng.random() < 0.3 else " "
    if rng.random() < 0.2:
        parts = [parts[0], parts[1], *(f"- {r}" for r in rules), parts[-1]]
        sep = "\n"
    return sep.join(p for p in parts if p)


def _ml_composed(lang: str, rng: random.Random) -> tuple[str, str]:
    """(attack, benign) in one language: an override and a payload, often after an ordinary question."""
    parts = P.ML_PARTS[lang]
    joint = rng.choice([f" {P.ML_AND[lang]} ", ", ", ". ", ": "])
    attack = f"{rng.choice(parts['override'])}{joint}{_fill(rng.choice(parts['payload']), rng)}."
    if rng.random() < 0.5:
        attack = f"{rng.choice(parts['benign'])} {attack}"
    benign = " ".join(rng.sample(parts["benign"], rng.choice([1, 2])))
    return attack, benign


def _ml(text: str, rng: random.Random) -> str:
    return _fill(text, rng)


def _format_directive(rng: random.Random) -> str:
    return rng.choice(P.FORMAT_DIRECTIVES).format(keys=rng.choice(P.FORMAT_KEYS), labels=rng.choice(P.FORMAT_LABELS),
                                                   n=rng.choice([3, 5, 20, 50, 100]), lang=rng.choice(P.OPERATOR_LANGS))


def _with_directive(text: str, rng: random.Random) -> str:
    """A request with one or two output-format directives before or after it."""
    directives = " ".join(_format_directive(rng) for _ in range(rng.choice([1, 1, 2])))
    sep = rng.choice([" ", " ", "\n"])
    return f"{directives}{sep}{text}" if rng.random() < 0.5 else f"{text}{sep}{directives}"


def _agent_slots(rng: random.Random) -> dict[str, str]:
    return {"host": rng.choice(P.AGENT_HOSTS), "bucket": rng.choice(P.AGENT_BUCKETS),
            "webhook": rng.choice(P.AGENT_WEBHOOKS), "url": rng.choice(P.AGENT_URLS), "db": rng.choice(P.AGENT_DBS)}


def generate(seed: int = SEED, format_requests: int = 0, agent_requests: int = 0,
             jailbreak_frames: int = 0) -> list[dict]:
    """Return the synthetic rows ({text, label, source, subset}), deduplicated, in a fixed order.

    ``format_requests``: that many ordinary questions with output-format directives (benign) and half as many
    overrides with them (attacks), appended from their own random stream (0 for the shipped model's data).
    ``agent_requests``: that many DevOps, data and agent requests naming hosts, buckets, webhooks and databases
    (benign) and half as many exfiltration or unauthorised-action attacks of the same surface, after those, from
    their own stream (0 for the shipped model's data).
    ``jailbreak_frames``: that many persuasive frames (a late relative's story, "purely hypothetically", a game,
    a professional pretext...) around a harmful request (attacks) and as many around a harmless one (benign), after
    those, from their own stream (0 for the shipped model's data)."""
    rng = random.Random(seed)
    rows: list[tuple[str, int, str, str]] = []
    add = rows.append
    for _ in range(320):
        add((_direct(rng), 1, "synthetic_direct", "override"))
    for _ in range(220):
        add((_jailbreak(rng), 1, "synthetic_jailbreak", "roleplay"))
    for _ in range(320):
        add((_document(rng, _embedded_instruction(rng)), 1, "synthetic_indirect", "embedded"))
        neutral = rng.choice([*P.HUMAN_INSTRUCTIONS, "", "", "The attachment has the details."])
        add((_document(rng, neutral), 0, "synthetic_hardneg_docs", "clean_document"))
    for _ in range(200):
        add((_document(rng, _fill(rng.choice(P.EMBEDDED_PLAIN), rng)), 1, "synthetic_indirect", "plain"))
    for _ in range(150):
        task = rng.choice(P.BENIGN_TASKS).format(s=rng.choice(P.NEUTRAL_SENTENCES))
        add((_variant(task, rng), 0, "synthetic_hardneg_tasks", "nlp_task"))
    for _ in range(220):
        add((_obfuscate(_direct(rng), rng), 1, "synthetic_obfuscated", "encoded"))
    for _ in range(80):
        add((_benign_obfuscated(rng), 0, "synthetic_hardneg_obfuscated", "encoded_benign"))
    for _ in range(3):
        for t in P.ML_ATTACKS:
            add((_variant(_ml(t, rng), rng), 1, "synthetic_multilingual", "attack"))
        for t in P.ML_BENIGN:
            add((_variant(t, rng), 0, "synthetic_hardneg_multilingual", "benign"))
    for _ in range(4):
        for t in P.SECURITY_DISCUSSION:
            add((_variant(t, rng), 0, "synthetic_hardneg_security", "discussion"))
        for t in P.CODE_QUESTIONS + P.CODE_SNIPPETS:
            add((_variant(_fill(t, rng), rng), 0, "synthetic_hardneg_code", "code"))
        for t in P.BENIGN_ROLEPLAY:
            add((_fill(t, rng), 0, "synthetic_hardneg_roleplay", "system_prompt"))
        for t in P.TRIGGER_BENIGN:
            add((_variant(t, rng), 0, "synthetic_hardneg_trigger", "trigger_words"))
    operator_rng = random.Random(seed + 1)  # its own stream: the rows above stay as they were
    for _ in range(480):
        add((_operator_prompt(operator_rng), 0, "synthetic_hardneg_operator", "system_prompt"))
    ml_rng = random.Random(seed + 2)
    for _ in range(300):
        lang = ml_rng.choice(sorted(P.ML_PARTS))
        attack, benign = _ml_composed(lang, ml_rng)
        add((attack, 1, "synthetic_multilingual", f"composed_{lang}"))
        add((benign, 0, "synthetic_hardneg_multilingual", f"composed_{lang}"))
    script_rng = random.Random(seed + 3)
    for lang in sorted(P.SCRIPT_BENIGN):
        templates, topics, fixed = P.SCRIPT_BENIGN[lang]
        texts = [t.format(t=topic) for t in templates for topic in topics] + fixed
        for text in texts:
            add((text, 0, "synthetic_hardneg_multilingual", f"script_{lang}"))
        for _ in range(len(texts) // 3):  # two requests in one message
            add((" ".join(script_rng.sample(texts, 2)), 0, "synthetic_hardneg_multilingual", f"script_{lang}"))
    format_rng = random.Random(seed + 4)
    for i in range(format_requests):
        add((_with_directive(format_rng.choice(P.FORMAT_QUESTIONS), format_rng), 0, "synthetic_hardneg_format",
             "format_directive"))
        if i % 2:
            add((_with_directive(_direct(format_rng), format_rng), 1, "synthetic_direct", "format_directive"))
    agent_rng = random.Random(seed + 5)
    for i in range(agent_requests):
        add((_variant(agent_rng.choice(P.AGENT_REQUESTS).format(**_agent_slots(agent_rng)), agent_rng), 0,
             "synthetic_hardneg_agent", "agent_request"))
        if i % 2:
            add((_variant(agent_rng.choice(P.AGENT_ATTACKS).format(**_agent_slots(agent_rng)), agent_rng), 1,
                 "synthetic_indirect", "agent_exfiltration"))
    frame_rng = random.Random(seed + 6)
    for _ in range(jailbreak_frames):
        frame = frame_rng.choice(P.FRAME_TEMPLATES)
        add((frame.format(t=frame_rng.choice(P.FRAME_HARMFUL_TARGETS)), 1, "synthetic_jailbreak", "frame"))
        add((frame.format(t=frame_rng.choice(P.FRAME_BENIGN_TARGETS)), 0, "synthetic_hardneg_frame", "frame"))
    seen: set[str] = set()
    out = []
    for text, label, source, subset in rows:
        key = " ".join(text.lower().split())
        if key not in seen:
            seen.add(key)
            out.append({"text": text, "label": label, "source": source, "subset": subset})
    return out
