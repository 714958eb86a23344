"""Benchmark the voice-bot guard: ``Conversation.before_say`` and ``Conversation.heard`` per
utterance of 200 characters, in English (US-IL: Reg F, TCPA, AI-voice rules) and Chinese (CN:
content, GB/T, AI label), with every shipped ruleset loaded.

Run:  python benchmarks/bench_voice.py [--quick]

Goal (issue #16): ``before_say`` median < 1 ms and ``heard`` < 0.5 ms per 200-character
utterance. Each figure is the median over the utterances of the median of several repeats;
``p90`` is the 90th percentile over single calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time

import collectrules

START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)

EN_BOT = [
    "Hello, this is Ava, a virtual assistant calling from Lakeside Recovery, a debt collector. This is an "
    "attempt to collect a debt and any information obtained will be used for that purpose. Is now a good time?",
    "I understand. Your balance is four hundred and twelve dollars. We can set up a payment plan that fits your "
    "budget, starting with a small payment this Friday. Would you like to hear the options available to you?",
    "If you do not pay today we will have you arrested and your wages will be taken, and we will tell your "
    "employer and your neighbours about this debt. You have until five o'clock to make the full payment now.",
    "Thank you. I have noted that you would like us to call back tomorrow afternoon. You can also reach us at "
    "312-555-0142 between eight and eight, Monday to Friday. Is there anything else I can help you with?",
]
EN_CONSUMER = [
    "Look, I really can't talk about this right now because I'm at work and my boss is standing right there, "
    "so please stop calling me here, and honestly I think I need to talk to my lawyer before I say anything.",
    "I'm not saying stop calling me, I just need a minute to find my papers, because I am pretty sure I already "
    "paid part of that balance last month and the amount you are telling me does not look right to me at all.",
    "Yes this is Jordan speaking, what is this about? I have been getting a lot of calls lately and I want to "
    "know who you are and where you got my number from, because I do not recognise the company name at all.",
    "OK, okay, fine. Can you call me back tomorrow after six? I will be home by then and I can go through the "
    "whole thing with you properly with my bank statements in front of me, thanks for understanding the issue.",
]
ZH_BOT = [
    "您好，我是北风消费金融公司的智能客服小李，工号A1023，今天联系您是关于您信用卡账户的还款事宜。本次通话将被录音。" * 2,
    "您的借款目前已逾期十五天，逾期金额为三千二百元。我们可以为您提供分期还款方案，首期只需还款五百元，请问您是否方便今天处理？" * 2,
    "您再不还钱，我们就报警把你抓起来拘留，还要通知你通讯录里的所有人，让你的家人和单位都知道你是个老赖，你自己看着办吧。" * 2,
    "好的，已为您记录明天下午回电的需求。您也可以拨打客服热线95555咨询，工作时间为每天上午九点至晚上八点，感谢您的配合。" * 2,
]
ZH_CONSUMER = [
    "我现在在上班不方便接电话，你们别再给我打电话了，有什么事情跟我的律师谈，我已经请了律师，以后不要打到我单位来，谢谢。" * 2,
    "我不是说别再打了，我是说这笔钱的金额不对，我上个月已经还了一部分，你们的账是不是算错了，我要提出异议，麻烦查一下。" * 2,
    "是我，请问有什么事吗？最近接到很多电话，我想知道你们是哪个公司的，号码是从哪里来的，我完全不认识你们这家公司。" * 2,
    "好的好的，那你明天再打给我吧，晚上八点以后别打，我那时候要休息，明天下午我在家，可以把银行流水拿出来跟你核对。" * 2,
]


def _cut(lines):
    return [(x * 2)[:200] for x in lines]


def _time(fn, repeats: int) -> tuple[float, list[float]]:
    singles = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        singles.append(time.perf_counter() - t)
    return statistics.median(singles), singles


def bench(policy, account, language, bot, consumer, repeats):
    conv = policy.conversation(account=account, language=language, stage="initial", dialer="ai_voice",
                               started_at=START)
    at = START + dt.timedelta(seconds=5)
    say_meds, say_all, hear_meds, hear_all = [], [], [], []
    for text in bot:
        conv.before_say(text, at=at)  # warm
        # vary the text so the per-conversation one-entry cache never answers
        variants = [text[:-1] + c for c in "abcdefghij"]
        k = [0]

        def say():
            k[0] += 1
            conv.before_say(variants[k[0] % 10], at=at)

        med, singles = _time(say, repeats)
        say_meds.append(med)
        say_all += singles
    for text in consumer:
        conv.heard(text, at=at)
        med, singles = _time(lambda: conv.heard(text, at=at), repeats)
        hear_meds.append(med)
        hear_all += singles
    q = lambda xs, p: sorted(xs)[int(p * (len(xs) - 1))]  # noqa: E731
    return (statistics.median(say_meds), q(say_all, 0.9), statistics.median(hear_meds), q(hear_all, 0.9))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    repeats = 60 if args.quick else 400
    policy = collectrules.load_policy()
    print(f"# {platform.processor() or platform.machine()}, CPython {sys.version.split()[0]}, "
          f"{len(policy.rulesets)} rulesets loaded, {repeats} repeats per utterance")
    print("| language | before_say median | before_say p90 | heard median | heard p90 |")
    print("|---|---:|---:|---:|---:|")
    for name, account, lang, bot, consumer in (
        ("en (US-IL)", {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}, "en", EN_BOT, EN_CONSUMER),
        ("zh (CN)", {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}, "zh", ZH_BOT, ZH_CONSUMER),
    ):
        bot, consumer = _cut(bot), _cut(consumer)
        assert all(len(t) == 200 for t in bot + consumer)
        say, say90, hear, hear90 = bench(policy, account, lang, bot, consumer, repeats)
        print(f"| {name} | {say * 1e3:.3f} ms | {say90 * 1e3:.3f} ms | {hear * 1e3:.3f} ms | {hear90 * 1e3:.3f} ms |")


if __name__ == "__main__":
    main()
