"""Every user-facing phrase of the web chat, in one place so they can be read and reviewed together."""

APP_TITLE = "AI copyright disputes assistant"
APP_INTRO = ("Answers about AI copyright suits and the laws they turn on. Every answer cites numbered passages checked "
             "against their source; click a marker like [1] to see the passage in its document.")
EXAMPLES = [
    "What did the MPA demand from ByteDance over Seedance 2.0?",
    "How much did Anthropic pay to settle Bartz v. Anthropic?",
    "What does Japan's Article 30-4 allow?",
    "Was training Llama on books fair use in Kadrey v. Meta?",
]
NOT_LEGAL_ADVICE = "Answers are not legal advice."
COVERAGE = "{documents}, {disputes}, current to {current_to}. " + NOT_LEGAL_ADVICE
COVERAGE_EMPTY = "The index is empty: add documents in the Add documents tab. " + NOT_LEGAL_ADVICE

# -- chat --------------------------------------------------------------------------------------------------------
CHAT_PLACEHOLDER = "Ask about a case, a ruling or a law. Every answer cites the passages it comes from."
INPUT_LABEL = "Your question"
INPUT_PLACEHOLDER = "Ask about a case, a ruling or a law…"
SOURCES_EMPTY = "Sources for the latest answer appear here. Click a marker like [1] to open its passage."
VIEWER_EMPTY = "Click a citation to open its document here, with the quoted passage highlighted."
REFUSAL_HEAD = "The sources don't cover this"
COPY_ANSWER = "Copy answer"
LINK_ANSWER = "Link to this answer"
COPIED = "Answer copied to the clipboard as plain text."
QUOTE_GONE = ("The quoted passage is no longer in this document (it changed after the answer was given); ask again "
              "for a fresh citation.")
NO_PUBLIC_ADDRESS = "no public address"

# -- conversations -----------------------------------------------------------------------------------------------
CONVERSATIONS_LABEL = "Past conversations"
NEW_CONVERSATION = "New conversation"
DELETE_CONVERSATION = "Delete this conversation"
UNTITLED = "New conversation (not yet saved)"
STATE_RESET = ("The conversation list saved in this browser could not be read, so it was reset; conversations "
               "opened by link are still available.")
LINK_MALFORMED = "The link's {kind} id '{value}' is malformed: copy the whole link again."
NOT_FOUND = ("This {kind} is not available: it was deleted, or it was saved by another account. Start a new "
             "conversation or open another link.")
CONVERSATION_FULL = ("This conversation has {n} answers, the most one conversation keeps: start a new conversation "
                     "for more questions.")
ANSWER_VIEW = "Opened from a link to one answer; a new question starts a conversation that continues from it."

# -- feedback ----------------------------------------------------------------------------------------------------
FEEDBACK_SAVED = "Thanks: feedback saved."
FEEDBACK_UNKNOWN = "Feedback refers to no answer this server gave ('{answer_id}'): ask the question again and rate that."
FEEDBACK_RATING = "Feedback rating must be 'up' or 'down', not {rating!r}."
FEEDBACK_FULL = ("The feedback file {path} has reached its {mb:g} MB limit: move it away (it holds the ratings so "
                 "far) and ratings are saved again.")
FEEDBACK_WRITE = "Could not save feedback to {path}: {reason}"

# -- disputes ----------------------------------------------------------------------------------------------------
DISPUTES_INTRO = ("Cases and disputes in the index, from their front matter. Filter and sort below; follow a title or "
                  "a timeline row to read the document.")
DISPUTES_VIEWER_EMPTY = "Follow a dispute's title in the table or the timeline to read its document here."
DISPUTES_NONE = "No disputes match these filters. Clear the filter text or choose All to see every dispute."
DISPUTES_EMPTY_INDEX = "No cases or disputes are in the index yet."
TIMELINE_NONE = "No dated disputes match the filters."
TIMELINE_UNDATED = "no date recorded"
TIMELINE_NO_FILING = "filing date not recorded"

# -- uploads -----------------------------------------------------------------------------------------------------
UPLOAD_INTRO = ("Add {types} files (up to {mb:g} MB each). Each file is checked (type by content, size, readable "
                "text); you can then correct its title, type, jurisdiction, date and id before it is indexed. "
                "Uploaded documents get ids under upload/ and never replace the shipped corpus.")
UPLOAD_CHOOSE = "Choose one or more files first ({types})."
UPLOAD_NOTHING_TO_ADD = "No checked file is waiting: choose files and press Check files first."
UPLOAD_ASK_NOW = "Added documents can be asked about right away in the Chat tab."
UPLOAD_NONE_ADDED = "No document was added."
UPLOAD_EXISTS = ("an uploaded document with id {source_id} already exists (“{title}”); tick “Replace the existing "
                 "document” to replace it, or choose another id")
UPLOAD_ID_TAKEN = "an uploaded document already has this id (“{title}”): tick Replace, or change the id"
UPLOAD_REMOVED = "Removed {source_id} (“{title}”) from the index."
UPLOAD_LIST_EMPTY = "No documents have been uploaded yet."
UPLOAD_BAD_ID = "The id '{value}' has no letters or digits: use letters, digits and hyphens, e.g. my-court-order"
UPLOAD_TOO_LONG = "The {field} is {n:,} characters long; at most {limit} are kept: shorten it"
UPLOAD_BAD_DATE = "The date '{value}' is not a date: write it as YYYY-MM-DD (or YYYY-MM, or YYYY)"

# -- login -------------------------------------------------------------------------------------------------------
LOGIN_THROTTLED = ("Too many failed logins from this address: try again in {seconds} s. Repeated failures lengthen "
                   "the wait.")
