"""The web chat: settings from the environment; builds index/ from sources/ on first use, then serves."""

import sys

from assistant.errors import AssistantError
from assistant.settings import Settings


def main() -> None:
    from assistant.gradio_startup import skip_stub_regeneration

    skip_stub_regeneration()  # before gradio is imported: halves its import time
    from assistant.ui import serve

    from pydantic import ValidationError

    from assistant.settings import settings_error

    try:
        serve(Settings())
    except AssistantError as e:  # a stale index, a bad setting: one line, not a traceback
        print(f"Error: {e}", file=sys.stderr)
        sys.exit(1)
    except ValidationError as e:
        print(f"Error: {settings_error(e)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
