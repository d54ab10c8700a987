"""One chat request to any OpenAI-compatible endpoint, with retries and exponential backoff.

Retried: 429 (rate limit), 5xx, connection errors and time-outs, up to `retries` times, waiting
`backoff * 2**k` seconds (at most MAX_WAIT, or the server's Retry-After when it gives one). Not retried:
other 4xx (bad request, bad key, unknown model): a UserError says what the server answered. The API key
is read from the environment variable named by the caller and is never printed or written anywhere.
"""
from __future__ import annotations

import os
import time

from core.errors import UserError

MAX_WAIT = 60.0


def make_client(base_url: str, key_env: str, timeout: float = 300.0):
    from openai import OpenAI

    # local servers take any key; the openai client refuses an empty one
    return OpenAI(base_url=base_url, api_key=os.environ.get(key_env) or "none", max_retries=0, timeout=timeout)


def _retry_after(exc) -> float | None:
    resp = getattr(exc, "response", None)
    value = resp.headers.get("retry-after") if resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def chat(client, model: str, messages, retries: int = 5, backoff: float = 1.0, sleep=time.sleep, log=print,
         key_env: str = "OPENAI_API_KEY", **params) -> str:
    """The first choice's text; raises UserError when the endpoint refuses or keeps failing."""
    import openai

    for k in range(retries + 1):
        try:
            r = client.chat.completions.create(model=model, messages=messages, **params)
            return r.choices[0].message.content or ""
        except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError,
                openai.APITimeoutError) as exc:
            what = f"HTTP {exc.status_code}" if getattr(exc, "status_code", None) else exc.__class__.__name__
            if k == retries:
                raise UserError(f"{client.base_url}: {what} after {retries} retries; try later") from exc
            ra = _retry_after(exc)
            wait = min(ra if ra is not None else backoff * 2 ** k, MAX_WAIT)
            log(f"  {what}: retry {k + 1}/{retries} in {wait:.1f} s")
            sleep(wait)
        except openai.AuthenticationError as exc:
            raise UserError(f"{client.base_url}: the key was refused (HTTP {exc.status_code}); set it in "
                            f"${key_env}") from exc
        except openai.APIStatusError as exc:
            said = exc.body.get("message") if isinstance(exc.body, dict) else None
            raise UserError(f"{client.base_url}: HTTP {exc.status_code}: {str(said or exc.message)[:300]}") from exc
    raise AssertionError("unreachable")
