"""Prompt template of the Flutter domain: the system prompt and the user message.

Changing any text here changes what the model sees: bump `domains.flutter.FlutterDomain.version`.
"""
from __future__ import annotations

SYSTEM = ("You are a Flutter developer. You write one complete Dart file for the request: its imports "
          "(package:flutter/material.dart, package:provider/provider.dart when Provider is used), every class "
          "it needs, widgets extending StatelessWidget or StatefulWidget with a build(BuildContext) method, "
          "and the exact class, field, callback and route names the request gives. Dart 3 with null safety. "
          "Answer with the file in a single ```dart code block, no explanations.")


def user_message(instruction: str, input_text: str) -> str:
    context = input_text.strip()
    return instruction.strip() + (f"\n\n{context}" if context else "")
