"""Hear what the consumer asks for: a documented English and Chinese phrase set that turns a
consumer's turn into :class:`ConsumerRequest` values (``Conversation.heard``).

The recogniser errs toward reporting: a false "cease" costs a call, a missed one is a
violation. A phrase is dropped only when a negation cue of the same clause stands before it
("I'm not saying stop calling me", "我不是说别再打了", "I don't have a lawyer", "我没有律师");
a clause ends at ``. , ; ! ?``, their full-width forms, ``but`` / ``但是`` / ``可是`` / ``不过``.

No consumer words leave this module: a request carries its kind, the ``evidence`` span
``(start, end)`` into the text it was heard in, what to record, and a citation — never the
matched text. The patterns are fixed (not user input), bounded (no nested repetition) and run
over a lower-cased, NFKC-normalised view of the turn whose characters map one to one back to
the original, with common traditional Chinese characters folded to simplified ones.

The phrase set is listed in ``docs/voice-guard.md``; every entry has a test in
``tests/test_voice_requests.py``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

#: The request kinds (a contract: values may be added, none renamed).
REQUEST_KINDS: tuple[str, ...] = (
    "cease_communication", "attorney_represented", "workplace_contact_prohibited", "inconvenient_time",
    "opt_out_channel", "wrong_party", "dispute", "complaint", "callback_request",
)


@dataclass(frozen=True)
class ConsumerRequest:
    """A request the consumer made during a conversation.

    ``kind`` is one of :data:`REQUEST_KINDS`. ``evidence`` is the span ``(start, end)`` in the
    heard text (code-point indices); the text itself is never kept. ``account_update`` names the
    :class:`~collectrules.Account` fields to record: booleans to set, and lists
    (``opted_out_channels``, ``inconvenient_times``, ``consent_ledger``) whose items are to be
    added to what the account holds; a cease or opt-out request also revokes robocall/robotext
    consent (a ``consent_ledger`` entry with ``revoked_at``). ``contact_update`` holds fields for the :class:`~collectrules.Contact`
    recorded for this call (``{"outcome": "wrong_party"}``), ``attempt_update`` fields for the
    next :class:`~collectrules.ContactAttempt` (``{"callback_requested": True}``). ``citation``
    names the loaded rules that act on the update (or says that none does); ``note`` says what
    the caller should still do. ``turn`` is the conversation turn index.
    """

    kind: str
    evidence: tuple[int, int]
    account_update: dict = field(default_factory=dict, hash=False, compare=True)
    citation: str = ""
    note: str = ""
    contact_update: dict = field(default_factory=dict, hash=False, compare=True)
    attempt_update: dict = field(default_factory=dict, hash=False, compare=True)
    turn: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "evidence": list(self.evidence), "account_update": _jsonable(self.account_update),
                "contact_update": dict(self.contact_update), "attempt_update": dict(self.attempt_update),
                "citation": self.citation, "note": self.note, "turn": self.turn}


def apply_requests(account, requests):
    """A copy of ``account`` (an :class:`~collectrules.Account` or dict) with the
    ``account_update`` of every request recorded: flags set, list items (opted-out channels,
    inconvenient times, consent-ledger entries) appended without duplicates. Returns an
    ``Account``.

    Raises:
        InputError: a malformed account.
    """
    from pydantic import ValidationError

    from ..errors import InputError
    from ..models import Account

    try:
        acc = account if isinstance(account, Account) else Account.model_validate(account)
    except ValidationError:
        raise InputError("account is invalid (values not shown)") from None
    data = acc.model_dump()
    for r in requests:
        for key, value in r.account_update.items():
            if isinstance(value, list):
                cur = list(data.get(key) or [])
                for item in value:
                    if item not in cur:
                        cur.append(item)
                data[key] = cur
            else:
                data[key] = value
    try:
        return Account.model_validate(data)
    except ValidationError:
        raise InputError("a request's account update does not fit the account (values not shown)") from None


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------
# normalised view

# traditional -> simplified, for the characters the Chinese phrases use (one to one)
_T2S = str.maketrans(
    "別給電話請師聯繫係騷擾說錯對這個號碼訴問題議還錢賬帳們時間點後撥簡訊發郵舉報監會處辦稱認識機經書託單來過沒見覺願聽車業務線區應該調與從麼嗎離讓頭現開當幫長門關實樣種親戶貸債額費異詐騙盜領導負責銀險絡煩寫談溝換週節準許僱裡裏夠啟閉聲囉麻氣賴歲",
    "别给电话请师联系系骚扰说错对这个号码诉问题议还钱账账们时间点后拨简讯发邮举报监会处办称认识机经书托单来过没见觉愿听车业务线区应该调与从么吗离让头现开当帮长门关实样种亲户贷债额费异诈骗盗领导负责银险络烦写谈沟换周节准许雇里里够启闭声啰麻气赖岁",
)
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def normalise(text: str) -> str:
    """A lower-cased view of ``text`` with exactly one character per character of ``text``
    (NFKC width folding, curly apostrophes, traditional Chinese folded to simplified)."""
    if text.isascii():
        return text.lower()
    n = unicodedata.normalize("NFKC", text)
    if len(n) == len(text):
        n = n.casefold()
        if len(n) == len(text):
            return n.translate(_APOS).translate(_T2S)
    out = []
    for ch in text:  # rare: a character that NFKC/casefold expands or merges
        c = unicodedata.normalize("NFKC", ch).casefold()
        out.append(c if len(c) == 1 else ch.lower()[:1] or " ")
    return "".join(out).translate(_APOS).translate(_T2S)


# ---------------------------------------------------------------------------------------------
# the phrase set

_ME = r"(?:me|us|here|this (?:number|phone)|my (?:phone|number|cell|mobile|house|home))"
_NOT = r"(?:don't|dont|do not|never|stop|quit|no more|not)"
_CALL = r"(?:call(?:ing|s)?|ring(?:ing)?|phon(?:e|ing))"
_CONTACT = r"(?:contact(?:ing)?|bother(?:ing)?|harass(?:ing)?|pester(?:ing)?|hound(?:ing)?|communicat(?:e|ing))"
_WORK = r"(?:at|to|during) (?:my |the )?(?:work|workplace|office|job|employer)"
_TIMEQ = (r"(?:before|after|until|till|past|between|at night|in the (?:morning|evening|afternoon)|"
          r"on (?:weekends?|sundays?|saturdays?)|so (?:early|late)|this (?:early|late)|at this (?:time|hour)|"
          r"at dinner|during (?:the day|dinner|lunch))")

#: (kind, language, pattern, extra) — extra: "channels" for opt-outs, "cease_too" when a
#: channel opt-out is also reported as a cease request (erring toward reporting).
_EN: list[tuple[str, str, dict]] = [
    # cease communication
    ("cease_communication", rf"\b(?:stop|quit|cease) (?:all )?{_CONTACT}(?: me| us)?\b", {}),
    ("cease_communication", rf"\b(?:don't|dont|do not|never) (?:ever )?{_CONTACT} (?:me|us)\b", {}),
    ("cease_communication", r"\bleave (?:me|us) alone\b", {}),
    ("cease_communication", r"\b(?:stop|cease|end) (?:all |any )?(?:the )?(?:contact|communications?|collection calls?)\b", {}),
    ("cease_communication", r"\bno (?:more|further) (?:contact|communications?|calls)\b", {}),
    ("cease_communication", r"\b(?:i|we) (?:don't|dont|do not) want (?:any )?(?:more )?(?:contact|calls|to (?:hear from|talk to) you)\b", {}),
    ("cease_communication", r"\b(?:take|remove|delete) (?:me|my (?:name|number)) (?:off|from) your (?:list|call(?:ing)? list|records?)\b", {}),
    ("cease_communication", r"\b(?:do not|don't|dont) call list\b", {}),
    ("opt_out_channel", r"^\W*(?:stop|quit|unsubscribe|cancel|end|revoke|opt[ -]?out)\W*$",
     {"channels": ("call", "voicemail"), "cease_too": True}),
    # channel opt-outs (a call opt-out is also reported as a cease request)
    ("opt_out_channel", rf"\b(?:stop|quit) {_CALL}(?: (?:me|us|here|this number|my (?:phone|number|cell|mobile)))?\b",
     {"channels": ("call", "voicemail"), "cease_too": True}),
    ("opt_out_channel", rf"\b(?:don't|dont|do not|never) (?:ever )?(?:call|ring|phone) {_ME}\b",
     {"channels": ("call", "voicemail"), "cease_too": True}),
    ("opt_out_channel", r"\bno more (?:phone )?calls\b", {"channels": ("call", "voicemail")}),
    ("opt_out_channel", r"\b(?:stop|quit) (?:texting|messaging|sending (?:me |us )?(?:texts|text messages|messages|sms))\b",
     {"channels": ("sms", "im")}),
    ("opt_out_channel", r"\b(?:don't|dont|do not|never) (?:text|message|sms) (?:me|us)\b", {"channels": ("sms", "im")}),
    ("opt_out_channel", r"\b(?:stop|quit) (?:e-?mailing|sending (?:me |us )?e-?mails?)\b", {"channels": ("email",)}),
    ("opt_out_channel", r"\b(?:don't|dont|do not|never) (?:e-?mail) (?:me|us)\b", {"channels": ("email",)}),
    ("opt_out_channel", r"\b(?:stop|don't|dont|do not|never) (?:leav(?:e|ing)) (?:me |us )?(?:any )?(?:voice ?mails?|messages)\b",
     {"channels": ("voicemail",)}),
    ("opt_out_channel", r"\b(?:only|just) (?:contact|write to|reach) (?:me|us) (?:by|in|through|via) (?:writing|mail|letters?|post|e-?mail)\b",
     {"channels": ("call", "voicemail")}),
    ("opt_out_channel", r"\b(?:put|send) (?:it|everything|that) in writing\b", {"channels": ("call", "voicemail")}),
    # attorney
    ("attorney_represented", r"\b(?:i|we)(?:'ve| have)? (?:got|have|hired|retained|engaged|found) (?:a |an |my |our )?(?:lawyer|attorney|counsel|solicitor|legal (?:aid|representation))\b", {}),
    ("attorney_represented", r"\b(?:i'm|im|i am|we're|we are) (?:being )?represented\b", {}),
    ("attorney_represented", r"\b(?:get|getting|hire|hiring|call|calling|see|seeing|consult|consulting) (?:a |an |my |our )?(?:lawyer|attorney|solicitor)\b", {}),
    ("attorney_represented", r"\b(?:my|our) (?:lawyer|attorney|counsel|solicitor)\b", {}),
    ("attorney_represented", r"\b(?:lawyer|attorney) (?:is )?(?:handling|will handle|deals? with) (?:it|this|the debt)\b", {}),
    # workplace
    ("workplace_contact_prohibited", rf"\b{_NOT} (?:ever )?(?:{_CALL}|{_CONTACT}) (?:me |us )?{_WORK}\b", {}),
    ("workplace_contact_prohibited", r"\b(?:i|we) (?:can't|cant|cannot|can not|am not allowed to|'m not allowed to|am not supposed to) (?:take|get|receive|have|answer) (?:personal |these |your |such )?calls (?:at|during) (?:work|the office|my job)\b", {}),
    ("workplace_contact_prohibited", r"\bmy (?:employer|boss|job|work|company) (?:doesn't|does not|won't|will not|don't) (?:allow|let|permit)\b", {}),
    ("workplace_contact_prohibited", r"\bnot at (?:my )?(?:work|the office|my job)\b", {}),
    # inconvenient time
    ("inconvenient_time", rf"\b{_NOT} (?:ever )?(?:{_CALL}|{_CONTACT}|text(?:ing)?|message|e-?mail(?:ing)?) (?:me |us )?(?:here )?"
                          rf"{_TIMEQ}(?: \d{{1,2}}(?::\d\d)? ?(?:a\.?m\.?|p\.?m\.?)?)?", {}),
    ("inconvenient_time", r"\b(?:this|now|it) (?:is|'s|isn't|is not)? ?(?:a |an )?(?:bad|inconvenient|terrible|awful|not a good|not a convenient) (?:time|moment)\b", {}),
    ("inconvenient_time", r"\b(?:this is|it's|its|now is|now's) not a (?:good|convenient) (?:time|moment)\b", {}),
    ("inconvenient_time", r"\b(?:too|so|very) (?:early|late) (?:to call|for (?:a )?calls?)\b", {}),
    ("inconvenient_time", r"\b(?:i'm|im|i am) (?:at work|driving|busy|working|in a meeting) (?:right )?now\b", {}),
    # wrong party
    ("wrong_party", r"\bwrong (?:number|person|guy|lady|man|woman|house)\b", {}),
    ("wrong_party", r"\b(?:i'm|im|i am|this is) not (?:him|her|them|that person|the person you|who you)\b", {}),
    ("wrong_party", r"\b(?:no one|nobody|no-one) (?:here |lives here )?(?:by|with|called|named) that name\b", {}),
    ("wrong_party", r"\b(?:he|she|they) (?:doesn't|does not|don't|do not) live here\b", {}),
    ("wrong_party", r"\bi (?:don't|dont|do not) know (?:him|her|them|that person|who (?:that|this) is|anyone)\b", {}),
    ("wrong_party", r"\bnever heard of (?:him|her|them|that person)\b", {}),
    # dispute
    ("dispute", r"\bi (?:dispute|am disputing|'m disputing|want to dispute|contest|challenge)\b", {}),
    ("dispute", r"\b(?:this|that|it)(?:'s| is|s)? not (?:my|our) (?:debt|account|loan|card|bill)\b", {}),
    ("dispute", r"\b(?:i|we) (?:don't|dont|do not|never) owe\b", {}),
    ("dispute", r"\b(?:i|we) (?:never|didn't|did not) (?:borrow|take out|open|sign|apply)\b", {}),
    ("dispute", r"\b(?:i|we) (?:already|have already|'ve already) paid\b", {}),
    ("dispute", r"\b(?:paid (?:it|this|that) (?:off|already))\b", {}),
    ("dispute", r"\b(?:the )?(?:amount|balance|figure|sum) is (?:wrong|incorrect|not right)\b", {}),
    ("dispute", r"\b(?:identity theft|fraudulent (?:account|debt|charge)|this is (?:a )?(?:scam|fraud))\b", {}),
    ("dispute", r"\b(?:send|give|show) me (?:proof|verification|validation|the paperwork)\b", {}),
    # complaint
    ("complaint", r"\b(?:file|make|lodge|submit) a complaint\b", {}),
    ("complaint", r"\b(?:i'll|i will|i'm going to|im going to|gonna) (?:complain|report you)\b", {}),
    ("complaint", r"\breport (?:you|this|your company) to\b", {}),
    ("complaint", r"\b(?:cfpb|consumer financial protection bureau|better business bureau|bbb|attorney general|ftc)\b", {}),
    ("complaint", r"\b(?:speak|talk) (?:to|with) (?:a |your )?(?:supervisor|manager|boss)\b", {}),
    ("complaint", r"\b(?:this is|that's|you're|you are) harass(?:ment|ing me)\b", {}),
    # callback
    ("callback_request", rf"\b{_CALL} (?:me |us )?back\b", {}),
    ("callback_request", r"\bcall (?:me |us )?(?:again )?(?:later|tomorrow|tonight|next week|in (?:an|a few|\d+) (?:hours?|minutes?|days?)|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|at \d)\b", {}),
    ("callback_request", r"\b(?:try|ring) (?:me |us )?(?:again )?(?:later|tomorrow)\b", {}),
]

_ZH_CALL = r"(?:打电话|打|来电|打过来|打来|拨打|致电|打扰)"
_ZH: list[tuple[str, str, dict]] = [
    # cease communication (and the call opt-out it implies)
    ("opt_out_channel", rf"(?:别|不要|不准|不许|勿)(?:再|总|老|一直)?(?:给我|跟我|向我)?{_ZH_CALL}",
     {"channels": ("call", "voicemail"), "cease_too": True}),
    ("opt_out_channel", rf"(?:以后|今后)?(?:不要|别)(?:再)?(?:给我)?打(?:电话)?(?:了|来)", {"channels": ("call", "voicemail"), "cease_too": True}),
    ("opt_out_channel", r"(?:不用|不必|没必要|用不着)(?:再)?(?:给我)?(?:打|打电话|来电|联系)(?:了|来|过来)", {"channels": ("call", "voicemail"), "cease_too": True}),
    ("cease_communication", r"(?:别|不要|不准|不许|停止)(?:再)?(?:联系|骚扰|烦|找|催)(?:我|我们)", {}),
    ("cease_communication", r"停止(?:催收|联系|一切联系|打电话|骚扰|催款)", {}),
    ("opt_out_channel", r"(?:你们|你)?再(?:打|打电话|骚扰)(?:来|过来|给我|我)?(?:我)?就", {"channels": ("call", "voicemail"), "cease_too": True}),
    ("cease_communication", r"(?:不想|不愿意|不要)(?:再)?(?:接到|接|听到)(?:你们)?(?:的)?(?:电话|来电)", {}),
    ("cease_communication", r"(?:把我|将我)?(?:的号码)?(?:从名单|拉黑|删掉我的号码)", {}),
    ("opt_out_channel", r"(?:别|不要|不准|停止)(?:再)?(?:给我)?发(?:短信|信息|消息|微信)", {"channels": ("sms", "im")}),
    ("opt_out_channel", r"(?:别|不要|不准|停止)(?:再)?(?:给我)?发(?:邮件|电子邮件)", {"channels": ("email",)}),
    ("opt_out_channel", r"(?:只|仅)(?:能|可以)?(?:通过|用)?(?:书面|信件|邮寄|邮件)(?:方式)?(?:联系|沟通)", {"channels": ("call", "voicemail")}),
    # attorney
    ("attorney_represented", r"(?:请|找|委托|聘请|聘|雇)(?:了)?(?:一个|个)?律师", {}),
    ("attorney_represented", r"(?:我|我们)(?:的|有)律师", {}),
    ("attorney_represented", r"律师(?:会|来|在|已经)?(?:处理|负责|跟你们|和你们|联系你们|代理)", {}),
    ("attorney_represented", r"(?:跟|和|找|联系)(?:我的?)?律师(?:谈|说|联系|沟通)", {}),
    # workplace
    ("workplace_contact_prohibited", r"(?:别|不要|不准|不许)(?:再)?(?:往|到|给)?(?:我)?(?:的)?(?:单位|公司|工作单位|办公室|上班的地方)(?:打|来|找)", {}),
    ("workplace_contact_prohibited", r"(?:别|不要|不准|不许)(?:再)?打(?:到)?(?:我)?(?:的)?(?:单位|公司|办公室)", {}),
    ("workplace_contact_prohibited", r"(?:单位|公司)(?:不让|不允许|禁止)(?:接)?(?:私人)?电话", {}),
    ("workplace_contact_prohibited", r"上班(?:时间|的时候)?(?:别|不要|不方便|不能)(?:打|接)", {}),
    # inconvenient time
    ("inconvenient_time", r"(?:现在|这会儿|这个时间|这时候)(?:不方便|没空|在忙|很忙|在开会|在上班|在开车)", {}),
    ("inconvenient_time", r"(?:早上|早晨|上午|中午|下午|晚上|夜里|半夜|深夜|周末|休息日|节假日)(?:别|不要|不方便|不能)(?:打|联系)?", {}),
    ("inconvenient_time", r"(?:早上|上午|下午|晚上)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})点(?:以前|之前|以后|之后|前|后)(?:别|不要|不方便)(?:打)?", {}),
    ("inconvenient_time", r"(?:太早|太晚)了", {}),
    # wrong party
    ("wrong_party", r"(?:打错|拨错|找错)(?:了|人|电话|号码)?", {}),
    ("wrong_party", r"(?:不是|并非)(?:我本人|本人|他|她)", {}),
    ("wrong_party", r"(?:不认识|不知道)(?:这个人|此人|他|她|这人|是谁)", {}),
    ("wrong_party", r"(?:没有|没)(?:这个人|此人|这人)", {}),
    ("wrong_party", r"(?:号码|电话)(?:换|换了|换人)", {}),
    # dispute
    ("dispute", r"(?:这笔|这个)?(?:钱|账|债|款|欠款|贷款)?(?:不是我(?:借|欠|贷|办)的)", {}),
    ("dispute", r"我(?:没有|没|从来没|从没)(?:借过|借|欠过|欠|贷过|办过)", {}),
    ("dispute", r"(?:金额|数目|数额|账|利息|费用)(?:不对|有误|有问题|算错)", {}),
    ("dispute", r"(?:有异议|提出异议|提异议|不认可|不认这笔|不承认)", {}),
    ("dispute", r"(?:已经|早就|早)(?:还|还清|还了|结清)", {}),
    ("dispute", r"(?:被冒用|盗用|冒名|诈骗)", {}),
    # complaint
    ("complaint", r"投诉|举报|12378|12363|银保监|金融监管|监管部门|消保|告你们|起诉你们|报警", {}),
    ("complaint", r"(?:找|叫)(?:你们)?(?:的)?(?:领导|经理|主管|负责人)", {}),
    # callback
    ("callback_request", r"(?:晚点|晚些|稍后|明天|下午|晚上|过会儿|一会儿|等会儿|改天|下周|回头)(?:再)?(?:打|联系|来电)(?:给我|过来)?", {}),
    ("callback_request", r"(?:给我)?回(?:个)?电(?:话)?", {}),
]

_BOUNDARY = re.compile(r"[.,;!?。，、；！？：:\n]|\bbut\b|\bthough\b|\bhowever\b|但是|可是|不过|但")
_NEG_EN = re.compile(
    r"(?:not saying|not asking|not telling|didn't say|did not say|never said|didn't ask|did not ask|"
    r"not that i|no need to|don't have to|do not have to|don't need to|do not need to|i'm not going to|"
    r"i am not going to|not disputing|not complaining|no,? i (?:don't|do not|didn't|did not)|"
    r"(?:don't|dont|do not|didn't|didnt|did not|haven't|havent|have not|never) (?:have|got|hire|hired|get|retain|retained)|"
    r"not sayin|im not going to|dont have to|dont need to|didnt say|didnt ask|"
    r"no)\W+(?:\w+\W+){0,6}$")
_NEG_ZH = re.compile(r"(?:不是说|不是要|不是让|没说|没有说|没让|我没有|我没|并没有|并不是|不用|不必|无需|不会|不想|不打算|是否|要不要|需不需要|如果)[^。，,.!?！？]{0,8}$")

_COMPILED: list[tuple[str, str, re.Pattern, dict]] = (
    [(k, "en", re.compile(p), x) for k, p, x in _EN] + [(k, "zh", re.compile(p), x) for k, p, x in _ZH]
)

_QUAL_AFTER_EN = re.compile(rf"[ ,]{{0,3}}(?:{_TIMEQ}|{_WORK}|tomorrow|later|tonight|next week|right now)")
_QUAL_AFTER_ZH = re.compile(r"(?:到|往)?(?:我)?(?:的)?(?:单位|公司|工作单位|办公室|上班)|(?:太早|太晚)")
_QUAL_BEFORE_ZH = re.compile(r"(?:早上|早晨|上午|中午|下午|晚上|夜里|半夜|深夜|周末|休息日|节假日|上班|单位|公司|"
                             r"点(?:以前|之前|以后|之后|前|后)|现在|这会儿)[^。，,.!?！？]{0,3}$")


def _qualified(view: str, s: int, e: int, lang: str) -> bool:
    if lang == "en":
        return bool(_QUAL_AFTER_EN.match(view, e))
    return bool(_QUAL_AFTER_ZH.match(view, e) or _QUAL_BEFORE_ZH.search(view, max(0, s - 8), s))


def _negated(view: str, start: int, lang: str) -> bool:
    """A negation cue in the same clause before ``start``."""
    lo = max(0, start - 60)
    window = view[lo:start]
    last = None
    for last in _BOUNDARY.finditer(window):
        pass
    if last is not None:
        window = window[last.end():]
    if not window.strip():
        return False
    return bool((_NEG_EN if lang == "en" else _NEG_ZH).search(window))


def _wants(language: str | None, lang: str) -> bool:
    if language is None:
        return True
    tag = language.lower().replace("_", "-")
    return tag == lang or tag.startswith(lang + "-")


def recognise(text: str, language: str | None = None) -> list[tuple[str, tuple[int, int], dict]]:
    """The requests in one consumer turn: ``[(kind, (start, end), extra), ...]`` sorted by
    position, at most one per kind (the first evidence; channel opt-outs merge their channels).

    ``language`` (``en``, ``zh``, ``zh-CN``…) limits the phrase set; ``None`` uses both (a
    consumer may switch language; erring toward reporting).
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    view = normalise(text)
    found: dict[str, tuple[tuple[int, int], dict]] = {}
    for kind, lang, rx, extra in _COMPILED:
        if not _wants(language, lang):
            continue
        for m in rx.finditer(view):
            s, e = m.span()
            if s == e or _negated(view, s, lang):
                continue
            if kind in ("opt_out_channel", "cease_communication") and _qualified(view, s, e, lang):
                # "don't call me at work" / "晚上别打" qualify the request (workplace, time): the
                # workplace and inconvenient-time phrases report it, not as a cease
                continue
            _add(found, kind, (s, e), extra)
            if extra.get("cease_too"):
                _add(found, "cease_communication", (s, e), {})
            break
    return sorted(((k, span, x) for k, (span, x) in found.items()), key=lambda t: (t[1], t[0]))


def _add(found: dict, kind: str, span: tuple[int, int], extra: dict) -> None:
    prev = found.get(kind)
    if prev is None:
        found[kind] = (span, dict(extra))
        return
    if "channels" in extra:
        chans = tuple(dict.fromkeys(prev[1].get("channels", ()) + tuple(extra["channels"])))
        found[kind] = (min(prev[0], span), {**prev[1], "channels": chans})
