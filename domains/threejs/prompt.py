"""Prompt template of the Three.js domain: one system prompt per family and the user message.

Changing any text here changes what the model sees: bump `domains.threejs.ThreejsDomain.version`.
"""
from __future__ import annotations

RULES = (
    "Rules: write one ES module in the style of the three.js examples: `import * as THREE from 'three';`, "
    "addons only from 'three/addons/...' (no URLs, no other packages), a PerspectiveCamera or "
    "OrthographicCamera, a WebGLRenderer sized to the window and appended to document.body, and an "
    "animation loop (renderer.setAnimationLoop) that calls renderer.render(scene, camera). No textures or "
    "model files, no network, no alerts.")
SYSTEM_SCENE = ("You are a three.js developer. You turn a description of a 3D scene into a runnable "
                "three.js ES module. Answer with the code in a single ```js code block, no explanations.\n" + RULES)
SYSTEM_EDIT = ("You are a three.js developer. You change a three.js module as asked and answer with the "
               "complete changed module in a single ```js code block, no explanations.\n" + RULES)
SYSTEM_FIX = ("You are a three.js developer. A three.js module fails in the browser with the console error "
              "shown. Answer with the complete fixed module in a single ```js code block, no explanations.\n"
              + RULES)


def system_prompt(family: str) -> str:
    return {"edit": SYSTEM_EDIT, "fix": SYSTEM_FIX}.get(family, SYSTEM_SCENE)


def user_message(family: str, instruction: str, input_text: str) -> str:
    # the headers frame the bare registers (a one-line change, the error line as printed); a request
    # written in other words (phrasing.py: issue, chatty, forum) follows the code as it is
    if family == "edit":
        head = "Change: " if "\n" not in instruction.strip() else ""
        return f"```js\n{input_text.rstrip()}\n```\n\n{head}{instruction.strip()}"
    if family == "fix":
        head = "Browser console:\n" if instruction.startswith("Uncaught") else ""
        return f"```js\n{input_text.rstrip()}\n```\n\n{head}{instruction.strip()}"
    return instruction.strip()
