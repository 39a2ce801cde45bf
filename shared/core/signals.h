/* signals: the one signal set-up every program runs — SIGPIPE ignored, SIGTERM and SIGINT ask it to stop. */
#ifndef SHORTLIST_SIGNALS_H
#define SHORTLIST_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/*
 * Ignores SIGPIPE (writing to a closed peer is then an error return, not
 * death) and makes SIGTERM and SIGINT set the process's stop flag, then
 * call on_stop (NULL: nothing more). on_stop runs inside the signal handler,
 * so it must be async-signal-safe: the FastCGI loop passes
 * FCGX_ShutdownPending. The handlers are installed without SA_RESTART, so a
 * blocking accept() or poll() returns EINTR and its loop can see the flag.
 * Returns the flag (non-zero once a stop was asked; static storage, valid
 * for the life of the process), for loops that take one (drain_run). Call
 * from main before any thread starts; calling again replaces on_stop and
 * keeps the flag.
 */
volatile sig_atomic_t *signals_install(void (*on_stop)(void));

/* Whether SIGTERM or SIGINT has asked the process to stop since signals_install(). */
bool signals_stop_requested(void);

#endif
