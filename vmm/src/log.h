/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One log line per action, on stderr (the journal under systemd). */
#ifndef VMM_LOG_H
#define VMM_LOG_H

/* "<UTC time> hotmem-vmm: <message>" */
void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
