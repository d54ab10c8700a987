"""Prompt template of the Unity C# domain: the system prompt of each family and the user message.

The rules in SYSTEM_CS are the ones the seed's users rely on. Changing any text here changes what the
model sees: bump `domains.unity_csharp.UnityCsharpDomain.version`.
"""
from __future__ import annotations

RULES = (
    "Rules:\n"
    "- Write one complete C# MonoBehaviour script: `using UnityEngine;` then a public class named exactly "
    "as the specification's class_name, deriving from MonoBehaviour.\n"
    "- Use Unity's lifecycle messages: Awake/Start to set up, Update for per-frame logic and input, "
    "FixedUpdate for physics, OnTriggerEnter/OnCollisionEnter (or their 2D variants) for touches, "
    "coroutines with WaitForSeconds or Invoke for timers.\n"
    "- Use real Unity APIs only; no made-up methods or packages.\n"
    "- Declare every specified field with its type and default, public or [SerializeField] private.\n"
    "- Fetch components with GetComponent in Awake or Start (or require them with [RequireComponent]), "
    "never every frame, and null-check what may be missing.\n"
    "- C# only, compatible with C# 7.2; no file, network or process access.")

SYSTEM_CS = ("You are a Unity C# code generator. You turn a behaviour specification (IR JSON) into a "
             "compilable MonoBehaviour script. Answer with the script in a single ```csharp code block, "
             "no explanations.\n" + RULES)
SYSTEM_IR = ("You turn a one-line description of Unity game behaviour into a behaviour specification: "
             "a JSON object with class_name, components, fields (name, type, default) and behaviors "
             "(name, trigger, actions). Answer with the JSON in a single ```json code block, no explanations.")
SYSTEM_REPAIR = ("You are a Unity C# expert. You fix a MonoBehaviour script (Script.cs) that does not "
                 "compile. Answer with the complete fixed script in a single ```csharp code block, or with a "
                 "unified diff of Script.cs in a single ```diff code block, no explanations.\n" + RULES)


def system_prompt(family: str) -> str:
    return {"nl_to_ir": SYSTEM_IR, "cs_repair": SYSTEM_REPAIR}.get(family, SYSTEM_CS)


def user_message(family: str, instruction: str, input_text: str) -> str:
    if family == "nl_to_ir":
        return f"Description: {instruction.strip()}"
    if family == "cs_repair":
        return f"{instruction.strip()}\n\n```csharp\n{input_text.rstrip()}\n```"
    if not input_text.strip():   # a request in words (the terse, chatty and forum registers): no IR to show
        return instruction.strip()
    return f"BEHAVIOR SPECIFICATION:\n{input_text.strip()}\n\n{instruction.strip()}"
