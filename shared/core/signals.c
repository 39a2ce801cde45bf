/* signals: the one signal set-up every program runs — SIGPIPE ignored, SIGTERM and SIGINT ask it to stop. */
#include "core/signals.h"

#include <string.h>

static volatile sig_atomic_t stop_requested;
static void (*volatile stop_hook)(void);

static void on_stop_signal(int sig)
{
	void (*hook)(void) = stop_hook;

	(void)sig;
	stop_requested = 1;
	if (hook)
		hook();
}

volatile sig_atomic_t *signals_install(void (*on_stop)(void))
{
	struct sigaction sa;

	stop_hook = on_stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept() or poll() must return so its loop can end. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return &stop_requested;
}

bool signals_stop_requested(void)
{
	return stop_requested != 0;
}
