// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadproc: SysV semaphore sets and message queues are objects of an IPC
 * namespace, not of a process: nothing in a task points at the sets it
 * uses, and CRIU carries them only with a namespace of their own. A
 * protected process restored without the set it works with finds it gone
 * (EINVAL) with nothing said at the failover; so one that used one is
 * refused instead, naming it.
 *
 * "Used", as far as the kernel keeps it: the last to change a semaphore of
 * the set (sempid: semop, SETVAL, SETALL, undo at exit) or the last to send
 * to or receive from a queue (q_lspid, q_lrpid). A process with SEM_UNDO
 * adjustments is refused by deadproc.c. A set a process used but was not
 * the last to touch is not seen (docs/threat-model.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadipc.h"

#define IPC_SEM_IDS	0
#define IPC_MSG_IDS	1
#define SEMS_MAX	(1u << 20)	/* semaphores looked at, in all */

struct ipc_layout {
	uint32_t ns_ids, ids_size, ids_idr, perm_key, perm_id;
	uint32_t sma_perm, sma_nsems, sma_sems, sem_size, sem_pid;
	uint32_t msq_perm, msq_lspid, msq_lrpid;
	uint32_t pid_numbers, upid_nr;
};

struct ipc_walk {
	struct dp_set *set;
	const struct ipc_layout *l;
	unsigned int sems;		/* looked at so far */
	bool msg;			/* walking message queues, not semaphore sets */
};

static int layout(struct dk *dk, struct ipc_layout *l)
{
	const struct dk_field f[] = {
		{ "struct ipc_namespace", "ids", &l->ns_ids },
		{ "struct ipc_ids", "ipcs_idr.idr_rt", &l->ids_idr },
		{ "struct kern_ipc_perm", "key", &l->perm_key },
		{ "struct kern_ipc_perm", "id", &l->perm_id },
		{ "struct sem_array", "sem_perm", &l->sma_perm },
		{ "struct sem_array", "sem_nsems", &l->sma_nsems },
		{ "struct sem_array", "sems", &l->sma_sems },
		{ "struct sem", "sempid", &l->sem_pid },
		{ "struct msg_queue", "q_perm", &l->msq_perm },
		{ "struct msg_queue", "q_lspid", &l->msq_lspid },
		{ "struct msg_queue", "q_lrpid", &l->msq_lrpid },
		{ "struct pid", "numbers", &l->pid_numbers },
		{ "struct upid", "nr", &l->upid_nr },
	};

	return dk_offsets(dk, f, DK_NFIELDS(f)) || dk_sizeof(dk, "struct ipc_ids", &l->ids_size) ||
	       dk_sizeof(dk, "struct sem", &l->sem_size);
}

/* The process number of a struct pid, 0 for none. */
static int pid_nr(struct dk *dk, const struct ipc_layout *l, uint64_t pid, uint32_t *nr)
{
	*nr = 0;
	return pid ? dk_read(dk, pid + l->pid_numbers + l->upid_nr, nr, 4) : 0;
}

static void refuse(struct dp_set *set, uint32_t pid, const char *what, uint64_t perm,
		   struct dk *dk, const struct ipc_layout *l)
{
	int32_t key = -1, id = -1;
	char why[128];
	unsigned int i;

	for (i = 0; pid && i < set->nprocs; i++) {
		struct dp_proc *p = &set->procs[i];

		if ((uint32_t)p->pid != pid || p->zombie)
			continue;
		if (dk_read(dk, perm + l->perm_key, &key, 4) || dk_read(dk, perm + l->perm_id, &id, 4))
			key = id = -1;
		snprintf(why, sizeof(why), "uses SysV %s (key 0x%x, id %d), not carried", what,
			 (uint32_t)key, id);
		if (!strstr(p->problems, why))	/* once per object, however many semaphores */
			dp_problem(p, "%s", why);
	}
}

static int one(struct dk *dk, uint64_t index, uint64_t perm, void *arg)
{
	struct ipc_walk *w = arg;
	const struct ipc_layout *l = w->l;
	uint64_t obj, pid;
	uint32_t nr, k;
	int32_t nsems;

	(void)index;
	if (dk_xa_is_value(perm))
		return 0;
	if (w->msg) {
		obj = perm - l->msq_perm;
		if (dk_read_u64(dk, obj + l->msq_lspid, &pid) || pid_nr(dk, l, pid, &nr))
			return -1;
		refuse(w->set, nr, "message queue", perm, dk, l);
		if (dk_read_u64(dk, obj + l->msq_lrpid, &pid) || pid_nr(dk, l, pid, &nr))
			return -1;
		refuse(w->set, nr, "message queue", perm, dk, l);
		return 0;
	}
	obj = perm - l->sma_perm;
	if (dk_read(dk, obj + l->sma_nsems, &nsems, 4))
		return -1;
	if (nsems < 0 || (uint32_t)nsems > SEMS_MAX - w->sems)
		return dk_fail(dk, "SysV semaphore set at 0x%llx: %d semaphores",
			       (unsigned long long)obj, nsems);
	w->sems += nsems;
	for (k = 0; k < (uint32_t)nsems; k++) {
		if (dk_read_u64(dk, obj + l->sma_sems + (uint64_t)k * l->sem_size + l->sem_pid, &pid) ||
		    pid_nr(dk, l, pid, &nr))
			return -1;
		refuse(w->set, nr, "semaphore set", perm, dk, l);
	}
	return 0;
}

int dp_refuse_sysv_users(struct dk *dk, struct dp_set *set)
{
	struct ipc_layout l;
	struct ipc_walk w = { .set = set, .l = &l };
	uint64_t ns;

	if (layout(dk, &l) || dk_symbol(dk, "init_ipc_ns", &ns))
		return -1;
	if (dk_xa_walk(dk, ns + l.ns_ids + IPC_SEM_IDS * (uint64_t)l.ids_size + l.ids_idr, 0, one, &w))
		return -1;
	w.msg = true;
	return dk_xa_walk(dk, ns + l.ns_ids + IPC_MSG_IDS * (uint64_t)l.ids_size + l.ids_idr, 0, one, &w);
}
