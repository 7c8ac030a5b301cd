/* console_frame.h — find one complete console answer in a byte stream.
 *
 * Pure: looks at the bytes received so far (from just after the command
 * was sent) and says whether the answer is complete.  It never blocks,
 * allocates or copies.  See docs/console.md §2.
 */
#ifndef PT_CONSOLE_FRAME_H
#define PT_CONSOLE_FRAME_H

#include <stdbool.h>
#include <stddef.h>

enum console_frame_state {
	CF_INCOMPLETE = 0,	/* keep reading */
	CF_OK,			/* complete, success line seen */
	CF_FAILED,		/* complete, device answered with a failure text */
	CF_PAGER,		/* the pager waits for Enter: send CR, keep reading */
	CF_PROMPT_ONLY,		/* a bare prompt (answer to an empty line) */
};

enum console_prompt {
	CP_NONE = 0,
	CP_PYLON,		/* "pylon>" */
	CP_PYLON_DEBUG,		/* "pylon_debug>" */
	CP_PYTES,		/* "PYTES>" */
};

struct console_frame {
	enum console_frame_state state;
	enum console_prompt prompt;	/* the prompt that ended the answer */
	/* The answer body: after the '@' line (or after the echo line when '@'
	 * is missing) up to, not including, the success/failure line and "$$".
	 * Parsers read it with console_text.h (which skips the pager line). */
	size_t		body_off, body_len;
	/* Echo: the first line (without a leading prompt), "" when absent. */
	size_t		echo_off, echo_len;
	/* CF_FAILED: the failure text (e.g. "Unknown command 'soh' - try
	 * 'help'"), a span of the input. */
	size_t		fail_off, fail_len;
	/* Bytes consumed up to and including the prompt (the next answer
	 * starts there). */
	size_t		consumed;
	/* CF_PAGER: offset just past the pager prompt, so the caller can tell
	 * a pager it has already answered from a new one. */
	size_t		pager_end;
};

/* Classify `buf[0..len)`.  Returns fr->state. */
enum console_frame_state console_frame(const char *buf, size_t len, struct console_frame *fr);

/* After console_frame() said CF_INCOMPLETE for buf[0..from), can the
 * bytes from `from` on change its verdict?  Only a prompt (they all end
 * in '>') or a pager line can end an answer, so a reader that calls
 * console_frame() only when this says so looks at each byte of a long
 * answer about once, not at every chunk the line delivers. */
bool	console_frame_may_change(const char *buf, size_t len, size_t from);

/* Position of the last prompt at the very end of buf (ignoring trailing
 * blanks), or CP_NONE.  Used to detect the prompt when waking a console. */
enum console_prompt console_prompt_at_end(const char *buf, size_t len);

const char *console_prompt_text(enum console_prompt p);

#endif
