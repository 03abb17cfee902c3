/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgm: the multicast group manager. See mgm.h for the contract.
 *
 * Internals: one "key state" per (S,G) or (*,G) key, kept in an array of
 * pointers sorted by (grp, src), so the (*,G) of a group comes first and
 * its sources follow it contiguously; lookups are binary searches and
 * walks are resumable from any key. A key state holds, per protocol slot,
 * the JOIN, FORWARD and SOURCE_BLOCK port sets, an optional MFE, and the
 * last computed forwarding entry (so a key is marked dirty only when its
 * entry really changed). Callbacks go through a FIFO event queue that the
 * outermost API call delivers before it returns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgm.h"

struct mgm_proto {
	struct mgm *m;
	int slot;
	int in_use;
	uint32_t gen;		/* bumped on deregistration: stale events */
	uint32_t proto_id;
	uint32_t component_id;
	struct mgm_proto_ops ops;
	void *ctx;
};

struct mgm_mfe {
	uint16_t iif;
	uint8_t negative;	/* RPF refused: no outgoing ports */
	uint8_t wrongif_sent;	/* a wrong-if callback was sent once */
	uint32_t upstream;
	mf_portset_t disabled;
	uint64_t created_ms;
	uint64_t last_active_ms;
	uint64_t last_in_pkts;
	uint64_t last_wrongif_ms;
	uint64_t wrongif_records;
	uint64_t wrongif_cbs;
	uint32_t timeout_ms;
	int creator_slot;	/* -1: made by mgm_new_source() */
	uint32_t creator_id;
};

struct mgm_key_state {
	uint32_t grp;
	uint32_t src;
	mf_portset_t join[MGM_MAX_PROTOS];
	mf_portset_t fwd[MGM_MAX_PROTOS];
	mf_portset_t block[MGM_MAX_PROTOS];
	struct mgm_mfe *mfe;
	struct mgm_fwd_entry cur;	/* last computed forwarding entry */
	uint8_t in_view;		/* cur is valid: key is in the view */
	uint8_t dirty;			/* on the dirty list */
};

enum mgm_ev_type {
	EV_LOCAL_JOIN,
	EV_LOCAL_LEAVE,
	EV_JOIN_ALERT,
	EV_PRUNE_ALERT,
	EV_CREATED,		/* internal: RPF, (S,G) alert, creation alerts */
	EV_CREATION_ALERT,
	EV_DELETION_ALERT,
	EV_WRONG_IF,
	EV_DISABLE_IGMP,
	EV_ENABLE_IGMP,
};

#define EV_F_RPF 0x100u		/* EV_CREATED: run the RPF callback */

struct mgm_event {
	uint8_t type;
	int8_t slot;		/* target protocol, -1 for internal events */
	uint16_t port;
	uint16_t port2;
	uint32_t gen;
	uint32_t src;
	uint32_t grp;
	unsigned int flags;
};

/*
 * The key store: one sorted sequence cut into blocks, so that an insert or
 * a delete moves at most a block's pointers plus the block index (a plain
 * sorted array moved half of a million pointers per insert: about 1 ms).
 */
#define KEY_BLOCK 256

struct key_block {
	unsigned int n;
	struct mgm_key_state *k[KEY_BLOCK];
};

struct mgm {
	struct mgm_config cfg;
	struct mgm_proto protos[MGM_MAX_PROTOS];
	int igmp_slot;				/* -1: IGMP not registered */
	int8_t owner[MF_MAX_PORTS];		/* routing owner slot or -1 */
	mf_portset_t igmp_ports;		/* ports IGMP runs on */

	/* Keys sorted by (grp, src), in blocks of at most KEY_BLOCK (see
	 * "keys" below); index i of the whole sequence is key_at(m, i). */
	struct key_block **blocks;
	unsigned int *block_start;		/* index of each block's first key */
	unsigned int n_blocks;
	unsigned int cap_blocks;
	unsigned int n_keys;
	unsigned int n_mfes;
	unsigned int n_expiring;		/* MFEs with timeout_ms != 0 */
	unsigned int tick_pos;			/* mgm_tick_some() resumes here */

	struct mgm_key_state **dirty;		/* FIFO of dirty keys */
	unsigned int dirty_head;
	unsigned int n_dirty;
	unsigned int cap_dirty;

	struct mgm_event *evq;			/* FIFO of callbacks */
	unsigned int ev_head;
	unsigned int n_ev;
	unsigned int cap_ev;
	unsigned int dispatching;		/* inside the delivery loop */
	uint64_t ev_dropped;			/* queue growth failed */
};

/* ---------------------------------------------------------------- keys */

static int
key_cmp(uint32_t grp_a, uint32_t src_a, uint32_t grp_b, uint32_t src_b)
{
	if (grp_a != grp_b)
		return grp_a < grp_b ? -1 : 1;
	if (src_a != src_b)
		return src_a < src_b ? -1 : 1;
	return 0;
}

/* The block holding index i (i < n_keys). O(log blocks). */
static unsigned int
key_block_of(const struct mgm *m, unsigned int i)
{
	unsigned int lo = 0, hi = m->n_blocks - 1;

	/* last block whose start is <= i */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo + 1) / 2;

		if (m->block_start[mid] <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Key at index i (i < n_keys) of the sorted sequence. O(log blocks). */
static struct mgm_key_state *
key_at(const struct mgm *m, unsigned int i)
{
	unsigned int b = key_block_of(m, i);

	return m->blocks[b]->k[i - m->block_start[b]];
}

/* Add d to block_start[] of every block after b: one pass over a
 * contiguous array (no block is touched). O(blocks). */
static void
key_shift_starts(struct mgm *m, unsigned int b, int d)
{
	unsigned int j;

	for (j = b + 1; j < m->n_blocks; j++)
		m->block_start[j] += (unsigned int)d;
}

/* Index of the first key >= (grp, src). O(log keys). */
static unsigned int
key_lower_bound(const struct mgm *m, uint32_t grp, uint32_t src)
{
	unsigned int lo = 0, hi = m->n_blocks, b;
	const struct key_block *kb;

	/* first block whose last key is >= (grp, src) */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct mgm_key_state *k =
			m->blocks[mid]->k[m->blocks[mid]->n - 1];

		if (key_cmp(k->grp, k->src, grp, src) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->n_blocks)
		return m->n_keys;
	b = lo;
	kb = m->blocks[b];
	lo = 0;
	hi = kb->n;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct mgm_key_state *k = kb->k[mid];

		if (key_cmp(k->grp, k->src, grp, src) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return m->block_start[b] + lo;
}

/* Room for one more block in the block index. */
static int
key_blocks_reserve(struct mgm *m)
{
	unsigned int cap;
	struct key_block **nb;
	unsigned int *ns;

	if (m->n_blocks < m->cap_blocks)
		return 0;
	cap = m->cap_blocks ? m->cap_blocks * 2 : 16;
	nb = realloc(m->blocks, cap * sizeof(*nb));
	if (nb == NULL)
		return -ENOMEM;
	m->blocks = nb;
	ns = realloc(m->block_start, cap * sizeof(*ns));
	if (ns == NULL)
		return -ENOMEM;
	m->block_start = ns;
	m->cap_blocks = cap;
	return 0;
}

/* Insert k at index i (0 <= i <= n_keys). O(KEY_BLOCK + blocks). */
static int
key_insert_at(struct mgm *m, unsigned int i, struct mgm_key_state *k)
{
	struct key_block *kb;
	unsigned int b, o;

	if (key_blocks_reserve(m) < 0)
		return -ENOMEM;
	if (m->n_blocks == 0) {
		kb = calloc(1, sizeof(*kb));
		if (kb == NULL)
			return -ENOMEM;
		m->blocks[0] = kb;
		m->block_start[0] = 0;
		m->n_blocks = 1;
	}
	/* the block holding index i, or the last one when i == n_keys */
	b = i < m->n_keys ? key_block_of(m, i) : m->n_blocks - 1;
	kb = m->blocks[b];
	o = i - m->block_start[b];
	if (kb->n == KEY_BLOCK) {
		/*
		 * Split: the upper half goes to a new block after b; or, when
		 * the key goes after the end of the last block (routes
		 * installed in order), a new empty block, so that blocks
		 * filled in order stay full.
		 */
		struct key_block *nb = calloc(1, sizeof(*nb));
		unsigned int keep = o == KEY_BLOCK && b == m->n_blocks - 1 ?
			KEY_BLOCK : KEY_BLOCK / 2;

		if (nb == NULL)
			return -ENOMEM;
		nb->n = KEY_BLOCK - keep;
		memcpy(nb->k, &kb->k[keep], nb->n * sizeof(kb->k[0]));
		kb->n = keep;
		memmove(&m->blocks[b + 2], &m->blocks[b + 1],
				(m->n_blocks - b - 1) * sizeof(m->blocks[0]));
		memmove(&m->block_start[b + 2], &m->block_start[b + 1],
				(m->n_blocks - b - 1) * sizeof(m->block_start[0]));
		m->blocks[b + 1] = nb;
		m->block_start[b + 1] = m->block_start[b] + keep;
		m->n_blocks++;
		if (o >= keep && !(o == keep && keep < KEY_BLOCK)) {
			b++;
			o -= keep;
			kb = nb;
		}
	}
	memmove(&kb->k[o + 1], &kb->k[o], (kb->n - o) * sizeof(kb->k[0]));
	kb->k[o] = k;
	kb->n++;
	m->n_keys++;
	key_shift_starts(m, b, 1);
	return 0;
}

/* Remove the key at index i (< n_keys). O(KEY_BLOCK + blocks). */
static void
key_remove_at(struct mgm *m, unsigned int i)
{
	unsigned int b = key_block_of(m, i);
	struct key_block *kb = m->blocks[b];
	unsigned int o = i - m->block_start[b];

	memmove(&kb->k[o], &kb->k[o + 1], (kb->n - o - 1) * sizeof(kb->k[0]));
	kb->n--;
	m->n_keys--;
	key_shift_starts(m, b, -1);
	if (kb->n == 0) {
		free(kb);
		memmove(&m->blocks[b], &m->blocks[b + 1],
				(m->n_blocks - b - 1) * sizeof(m->blocks[0]));
		memmove(&m->block_start[b], &m->block_start[b + 1],
				(m->n_blocks - b - 1) * sizeof(m->block_start[0]));
		m->n_blocks--;
	}
}

/* Index of the first key strictly after *after (0 when after is NULL). */
static unsigned int
key_after(const struct mgm *m, const struct mf_key *after)
{
	unsigned int i;

	if (after == NULL)
		return 0;
	i = key_lower_bound(m, after->grp, after->src);
	if (i < m->n_keys && key_at(m, i)->grp == after->grp &&
			key_at(m, i)->src == after->src)
		i++;
	return i;
}

static struct mgm_key_state *
key_find(const struct mgm *m, uint32_t src, uint32_t grp)
{
	unsigned int i = key_lower_bound(m, grp, src);

	if (i < m->n_keys && key_at(m, i)->grp == grp && key_at(m, i)->src == src)
		return key_at(m, i);
	return NULL;
}

static struct mgm_key_state *
key_get(struct mgm *m, uint32_t src, uint32_t grp)
{
	unsigned int i = key_lower_bound(m, grp, src);
	struct mgm_key_state *k;

	if (i < m->n_keys && key_at(m, i)->grp == grp && key_at(m, i)->src == src)
		return key_at(m, i);
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	k->grp = grp;
	k->src = src;
	if (key_insert_at(m, i, k) < 0) {
		free(k);
		return NULL;
	}
	return k;
}

static int
key_has_members(const struct mgm_key_state *k)
{
	int s;

	for (s = 0; s < MGM_MAX_PROTOS; s++)
		if (k->join[s] | k->fwd[s] | k->block[s])
			return 1;
	return 0;
}

static int
key_empty(const struct mgm_key_state *k)
{
	return k->mfe == NULL && !key_has_members(k);
}

/* Free k when it holds nothing and is not waiting on the dirty list. */
static void
key_maybe_free(struct mgm *m, struct mgm_key_state *k)
{
	unsigned int i;

	if (k == NULL || !key_empty(k) || k->dirty)
		return;
	i = key_lower_bound(m, k->grp, k->src);
	if (i >= m->n_keys || key_at(m, i) != k)
		return;
	key_remove_at(m, i);
	free(k);
}

/* ------------------------------------------------------------- helpers */

static int
port_ok(uint16_t port)
{
	return port < MF_MAX_PORTS;
}

static int
slot_live(const struct mgm *m, int slot)
{
	return slot >= 0 && slot < MGM_MAX_PROTOS && m->protos[slot].in_use;
}

static int
handle_ok(const struct mgm *m, const struct mgm_proto *h)
{
	return h != NULL && h->m == m && h->in_use;
}

static int
popcount8(unsigned int v)
{
	return __builtin_popcount(v & 0xffu);
}

/*
 * Split bits added by slot a between the protocols they count for: IGMP's
 * ports owned by a routing protocol count for the owner.
 */
static void
attribute(const struct mgm *m, int a, mf_portset_t bits,
		mf_portset_t out[MGM_MAX_PROTOS])
{
	int p;

	if (a != m->igmp_slot) {
		out[a] |= bits;
		return;
	}
	for (p = 0; p < MF_MAX_PORTS && bits != 0; p++) {
		if ((bits & MF_PORTSET_BIT(p)) == 0)
			continue;
		bits &= ~MF_PORTSET_BIT(p);
		out[m->owner[p] >= 0 ? m->owner[p] : a] |= MF_PORTSET_BIT(p);
	}
}

/* Set of slots with JOIN receivers on k (after attribution). */
static unsigned int
recv_mask(const struct mgm *m, const struct mgm_key_state *k)
{
	mf_portset_t eff[MGM_MAX_PROTOS] = {0};
	unsigned int mask = 0;
	int s;

	if (k == NULL)
		return 0;
	for (s = 0; s < MGM_MAX_PROTOS; s++)
		if (k->join[s] != 0)
			attribute(m, s, k->join[s], eff);
	for (s = 0; s < MGM_MAX_PROTOS; s++)
		if (eff[s] != 0)
			mask |= 1u << s;
	return mask;
}

/* Ports slot s itself adds to (S,G) k (star = its (*,G), may be NULL). */
static mf_portset_t
slot_oifs(const struct mgm_key_state *k, const struct mgm_key_state *star,
		int s)
{
	mf_portset_t o = k->join[s] | k->fwd[s];

	if (star != NULL && star != k)
		o |= (star->join[s] | star->fwd[s]) & ~k->block[s];
	return o;
}

static mf_portset_t
mfe_mask(const struct mgm_key_state *k, mf_portset_t o)
{
	if (k->mfe == NULL)
		return o;
	if (k->mfe->negative)
		return 0;
	o &= ~k->mfe->disabled;
	if (k->mfe->iif != MF_PORT_ANY)
		o &= ~MF_PORTSET_BIT(k->mfe->iif);
	return o;
}

/* Per attributed slot contributions to k's outgoing set. */
static void
contributions(const struct mgm *m, const struct mgm_key_state *k,
		mf_portset_t out[MGM_MAX_PROTOS])
{
	const struct mgm_key_state *star =
		k->src != 0 ? key_find(m, 0, k->grp) : NULL;
	int s;

	memset(out, 0, sizeof(out[0]) * MGM_MAX_PROTOS);
	for (s = 0; s < MGM_MAX_PROTOS; s++) {
		mf_portset_t o = slot_oifs(k, star, s);

		if (o != 0)
			attribute(m, s, o, out);
	}
	for (s = 0; s < MGM_MAX_PROTOS; s++)
		out[s] = mfe_mask(k, out[s]);
}

/* ------------------------------------------------------------ dirty list */

static void
mark_dirty(struct mgm *m, struct mgm_key_state *k)
{
	if (k->dirty)
		return;
	if (m->n_dirty == m->cap_dirty) {
		unsigned int cap = m->cap_dirty ? m->cap_dirty * 2 : 64;
		struct mgm_key_state **nd;

		/* compact first: drained slots at the head are reusable */
		if (m->dirty_head > 0) {
			memmove(m->dirty, &m->dirty[m->dirty_head],
				(m->n_dirty - m->dirty_head) *
				sizeof(m->dirty[0]));
			m->n_dirty -= m->dirty_head;
			m->dirty_head = 0;
		}
		if (m->n_dirty == m->cap_dirty) {
			nd = realloc(m->dirty, cap * sizeof(*nd));
			if (nd == NULL)
				return; /* key stays clean; cannot record */
			m->dirty = nd;
			m->cap_dirty = cap;
		}
	}
	m->dirty[m->n_dirty++] = k;
	k->dirty = 1;
}

/* Recompute k's forwarding entry; mark dirty if it changed. */
static void
refresh(struct mgm *m, struct mgm_key_state *k)
{
	struct mgm_fwd_entry e;
	int in_view = key_has_members(k) || k->mfe != NULL;
	int s;

	memset(&e, 0, sizeof(e));
	if (in_view) {
		const struct mgm_key_state *star =
			k->src != 0 ? key_find(m, 0, k->grp) : NULL;
		mf_portset_t o = 0;

		for (s = 0; s < MGM_MAX_PROTOS; s++)
			o |= slot_oifs(k, star, s);
		e.oifs = mfe_mask(k, o);
		e.iif = k->mfe != NULL ? k->mfe->iif : MF_PORT_ANY;
		if (k->src == 0 || e.iif == MF_PORT_ANY)
			e.flags |= MGM_FWD_NOTIFY_NEW_SOURCE;
		if (k->mfe != NULL)
			e.flags |= MGM_FWD_MFE;
	}
	if (in_view == k->in_view && (!in_view ||
			(e.iif == k->cur.iif && e.flags == k->cur.flags &&
			 e.oifs == k->cur.oifs)))
		return;
	k->in_view = (uint8_t)in_view;
	k->cur = e;
	mark_dirty(m, k);
}

/* Refresh k and, for a (*,G), every (S,G) of its group. */
static void
refresh_group(struct mgm *m, struct mgm_key_state *k)
{
	unsigned int i;

	refresh(m, k);
	if (k->src != 0)
		return;
	for (i = key_lower_bound(m, k->grp, 1);
			i < m->n_keys && key_at(m, i)->grp == k->grp; i++)
		refresh(m, key_at(m, i));
}

/* ---------------------------------------------------------- event queue */

static struct mgm_event *
ev_push(struct mgm *m, enum mgm_ev_type type, int slot, uint16_t port,
		uint32_t src, uint32_t grp, unsigned int flags)
{
	struct mgm_event *ev;

	if (slot >= 0 && !slot_live(m, slot))
		return NULL;
	if (m->n_ev == m->cap_ev) {
		unsigned int cap = m->cap_ev ? m->cap_ev * 2 : 32;
		struct mgm_event *nq = realloc(m->evq, cap * sizeof(*nq));

		if (nq == NULL) {
			m->ev_dropped++;
			return NULL;
		}
		m->evq = nq;
		m->cap_ev = cap;
	}
	ev = &m->evq[m->n_ev++];
	memset(ev, 0, sizeof(*ev));
	ev->type = (uint8_t)type;
	ev->slot = (int8_t)slot;
	ev->gen = slot >= 0 ? m->protos[slot].gen : 0;
	ev->port = port;
	ev->src = src;
	ev->grp = grp;
	ev->flags = flags;
	return ev;
}

static void
push_all_but(struct mgm *m, enum mgm_ev_type type, int but, uint32_t src,
		uint32_t grp)
{
	int s;

	for (s = 0; s < MGM_MAX_PROTOS; s++)
		if (s != but && m->protos[s].in_use)
			ev_push(m, type, s, 0, src, grp, 0);
}

static int
lowest_slot(unsigned int mask)
{
	return mask ? __builtin_ctz(mask) : -1;
}

/* Queue join / prune alerts for a change of k's receiver set. */
static void
alerts(struct mgm *m, const struct mgm_key_state *k, uint32_t src,
		uint32_t grp, unsigned int old, unsigned int new)
{
	unsigned int cur = old;
	int s;

	if (old == new)
		return;
	if (src != 0) {
		/* (S,G): only the owner of the interface towards S */
		int owner;

		if (k == NULL || k->mfe == NULL || k->mfe->iif == MF_PORT_ANY)
			return;
		owner = m->owner[k->mfe->iif];
		if (owner < 0)
			return;
		if (old == 0 && new != 0 && new != (1u << owner))
			ev_push(m, EV_JOIN_ALERT, owner, 0, src, grp, 0);
		else if (old != 0 && new == 0 && old != (1u << owner))
			ev_push(m, EV_PRUNE_ALERT, owner, 0, src, grp, 0);
		return;
	}
	/* (*,G): removals first, then additions, one protocol at a time */
	for (s = 0; s < MGM_MAX_PROTOS; s++) {
		if (!(old & ~new & (1u << s)))
			continue;
		cur &= ~(1u << s);
		if (popcount8(cur) == 1)
			ev_push(m, EV_PRUNE_ALERT, lowest_slot(cur), 0, 0, grp,
				0);
		else if (cur == 0)
			push_all_but(m, EV_PRUNE_ALERT, s, 0, grp);
	}
	for (s = 0; s < MGM_MAX_PROTOS; s++) {
		if (!(new & ~old & (1u << s)))
			continue;
		if (cur == 0)
			push_all_but(m, EV_JOIN_ALERT, s, 0, grp);
		else if (popcount8(cur) == 1)
			ev_push(m, EV_JOIN_ALERT, lowest_slot(cur), 0, 0, grp,
				0);
		cur |= 1u << s;
	}
}

static void mfe_free(struct mgm *m, struct mgm_key_state *k);

static void
deliver_created(struct mgm *m, const struct mgm_event *ev)
{
	struct mgm_key_state *k = key_find(m, ev->src, ev->grp);
	mf_portset_t contrib[MGM_MAX_PROTOS];
	unsigned int rm;
	int s;

	if (k == NULL || k->mfe == NULL)
		return;
	if ((ev->flags & EV_F_RPF) && k->mfe->iif != MF_PORT_ANY) {
		int owner = m->owner[k->mfe->iif];
		struct mgm_proto *p = owner >= 0 ? &m->protos[owner] : NULL;

		if (p != NULL && p->ops.rpf != NULL) {
			uint16_t iif = k->mfe->iif;
			uint32_t up = k->mfe->upstream;
			int rc = p->ops.rpf(p->ctx, ev->src, ev->grp, &iif, &up);

			/* the callback may have changed anything: look again */
			k = key_find(m, ev->src, ev->grp);
			if (k == NULL || k->mfe == NULL)
				return;
			if (rc < 0) {
				k->mfe->negative = 1;
			} else {
				if (port_ok(iif) || iif == MF_PORT_ANY)
					k->mfe->iif = iif;
				k->mfe->upstream = up;
			}
			refresh(m, k);
		}
	}
	/* (S,G) join alert now that the interface towards S is known */
	rm = recv_mask(m, k);
	if (ev->src != 0 && rm != 0)
		alerts(m, k, ev->src, ev->grp, 0, rm);
	contributions(m, k, contrib);
	for (s = 0; s < MGM_MAX_PROTOS; s++)
		if (contrib[s] != 0)
			ev_push(m, EV_CREATION_ALERT, s, 0, ev->src, ev->grp,
				0);
}

static void
deliver(struct mgm *m, const struct mgm_event *ev)
{
	struct mgm_proto *p = NULL;
	struct mgm_key_state *k;

	if (ev->slot >= 0) {
		p = &m->protos[ev->slot];
		if (!p->in_use || p->gen != ev->gen)
			return;
	}
	switch (ev->type) {
	case EV_LOCAL_JOIN:
		if (p->ops.local_join != NULL)
			p->ops.local_join(p->ctx, ev->port, ev->src, ev->grp,
					ev->flags);
		break;
	case EV_LOCAL_LEAVE:
		if (p->ops.local_leave != NULL)
			p->ops.local_leave(p->ctx, ev->port, ev->src, ev->grp,
					ev->flags);
		break;
	case EV_JOIN_ALERT:
		if (p->ops.join_alert != NULL)
			p->ops.join_alert(p->ctx, ev->src, ev->grp);
		break;
	case EV_PRUNE_ALERT:
		if (p->ops.prune_alert != NULL)
			p->ops.prune_alert(p->ctx, ev->src, ev->grp);
		break;
	case EV_CREATED:
		deliver_created(m, ev);
		break;
	case EV_CREATION_ALERT: {
		mf_portset_t contrib[MGM_MAX_PROTOS];
		mf_portset_t keep;
		uint16_t iif;

		if (p->ops.creation_alert == NULL)
			break;
		k = key_find(m, ev->src, ev->grp);
		if (k == NULL || k->mfe == NULL)
			break;
		contributions(m, k, contrib);
		if (contrib[ev->slot] == 0)
			break;
		keep = contrib[ev->slot];
		iif = k->mfe->iif;
		p->ops.creation_alert(p->ctx, ev->src, ev->grp, iif, &keep);
		k = key_find(m, ev->src, ev->grp);
		if (k == NULL || k->mfe == NULL)
			break;
		k->mfe->disabled |= contrib[ev->slot] & ~keep;
		refresh(m, k);
		break;
	}
	case EV_DELETION_ALERT:
		if (p->ops.deletion_alert != NULL)
			p->ops.deletion_alert(p->ctx, ev->src, ev->grp);
		break;
	case EV_WRONG_IF:
		if (p->ops.wrong_interface != NULL)
			p->ops.wrong_interface(p->ctx, ev->src, ev->grp,
					ev->port, ev->port2);
		break;
	case EV_DISABLE_IGMP:
		if (p->ops.disable_igmp != NULL)
			p->ops.disable_igmp(p->ctx, ev->port);
		break;
	case EV_ENABLE_IGMP:
		if (p->ops.enable_igmp != NULL)
			p->ops.enable_igmp(p->ctx, ev->port);
		break;
	}
}

/* Deliver queued callbacks, unless a delivery loop already runs. */
static void
flush(struct mgm *m)
{
	if (m->dispatching)
		return;
	m->dispatching = 1;
	while (m->ev_head < m->n_ev) {
		/* copy: a nested call may grow (move) the queue */
		struct mgm_event ev = m->evq[m->ev_head++];

		deliver(m, &ev);
	}
	m->ev_head = 0;
	m->n_ev = 0;
	m->dispatching = 0;
}

/* ------------------------------------------------------------ instances */

struct mgm *
mgm_create(const struct mgm_config *cfg)
{
	struct mgm *m = calloc(1, sizeof(*m));
	int i;

	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (cfg != NULL)
		m->cfg = *cfg;
	if (m->cfg.mfe_timeout_ms == 0)
		m->cfg.mfe_timeout_ms = MGM_DEFAULT_MFE_TIMEOUT_MS;
	if (m->cfg.wrongif_interval_ms == 0)
		m->cfg.wrongif_interval_ms = MGM_DEFAULT_WRONGIF_INTERVAL_MS;
	m->igmp_slot = -1;
	for (i = 0; i < MF_MAX_PORTS; i++)
		m->owner[i] = -1;
	for (i = 0; i < MGM_MAX_PROTOS; i++) {
		m->protos[i].m = m;
		m->protos[i].slot = i;
	}
	return m;
}

void
mgm_destroy(struct mgm *m)
{
	unsigned int i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_keys; i++) {
		free(key_at(m, i)->mfe);
		free(key_at(m, i));
	}
	for (i = 0; i < m->n_blocks; i++)
		free(m->blocks[i]);
	free(m->blocks);
	free(m->block_start);
	free(m->dirty);
	free(m->evq);
	free(m);
}

int
mgm_register(struct mgm *m, const struct mgm_proto_reg *reg,
		struct mgm_proto **out)
{
	int s, free_slot = -1;

	if (m == NULL || reg == NULL || out == NULL)
		return -EINVAL;
	for (s = 0; s < MGM_MAX_PROTOS; s++) {
		const struct mgm_proto *p = &m->protos[s];

		if (!p->in_use) {
			if (free_slot < 0)
				free_slot = s;
			continue;
		}
		if (p->proto_id == reg->proto_id &&
				p->component_id == reg->component_id)
			return -EEXIST;
		if (reg->proto_id == MGM_PROTO_IGMP &&
				p->proto_id == MGM_PROTO_IGMP)
			return -EEXIST;
	}
	if (free_slot < 0)
		return -ENOSPC;
	{
		struct mgm_proto *p = &m->protos[free_slot];

		p->in_use = 1;
		p->proto_id = reg->proto_id;
		p->component_id = reg->component_id;
		if (reg->ops != NULL)
			p->ops = *reg->ops;
		else
			memset(&p->ops, 0, sizeof(p->ops));
		p->ctx = reg->ctx;
		if (reg->proto_id == MGM_PROTO_IGMP)
			m->igmp_slot = free_slot;
		*out = p;
	}
	return 0;
}

uint32_t
mgm_proto_id(const struct mgm_proto *h)
{
	return h != NULL ? h->proto_id : 0;
}

/* ------------------------------------------------------- memberships */

/*
 * Set or clear one membership bit of slot s and queue what follows from
 * it. Returns 0, -EEXIST (already set) or -ENOENT (already clear).
 */
static int
member_change(struct mgm *m, struct mgm_key_state *k, int s, uint16_t port,
		enum mgm_member_flavour fl, int on)
{
	mf_portset_t *set;
	mf_portset_t bit = MF_PORTSET_BIT(port);
	unsigned int old_rm, new_rm;

	switch (fl) {
	case MGM_JOIN:
		set = &k->join[s];
		break;
	case MGM_FORWARD:
		set = &k->fwd[s];
		break;
	case MGM_SOURCE_BLOCK:
		set = &k->block[s];
		break;
	default:
		return -EINVAL;
	}
	if (on && (*set & bit))
		return -EEXIST;
	if (!on && !(*set & bit))
		return -ENOENT;
	old_rm = recv_mask(m, k);
	if (on)
		*set |= bit;
	else
		*set &= ~bit;
	new_rm = recv_mask(m, k);

	/* IGMP receivers on a routed port: tell the owner */
	if (s == m->igmp_slot && m->owner[port] >= 0 && fl != MGM_FORWARD)
		ev_push(m, on ? EV_LOCAL_JOIN : EV_LOCAL_LEAVE, m->owner[port],
			port, k->src, k->grp,
			fl == MGM_SOURCE_BLOCK ? MGM_LOCAL_BLOCK : 0);
	alerts(m, k, k->src, k->grp, old_rm, new_rm);
	refresh_group(m, k);
	return 0;
}

static int
membership_args_ok(struct mgm *m, struct mgm_proto *h, uint16_t port,
		uint32_t src, uint32_t grp, enum mgm_member_flavour fl)
{
	if (m == NULL || !handle_ok(m, h) || !port_ok(port) ||
			!mf_is_multicast(grp))
		return 0;
	if (fl != MGM_JOIN && fl != MGM_FORWARD && fl != MGM_SOURCE_BLOCK)
		return 0;
	if (fl == MGM_SOURCE_BLOCK && src == 0)
		return 0;
	return 1;
}

int
mgm_add_membership(struct mgm *m, struct mgm_proto *h, uint16_t port,
		uint32_t src, uint32_t grp, enum mgm_member_flavour fl)
{
	struct mgm_key_state *k;
	int rc;

	if (!membership_args_ok(m, h, port, src, grp, fl))
		return -EINVAL;
	k = key_get(m, src, grp);
	if (k == NULL)
		return -ENOMEM;
	rc = member_change(m, k, h->slot, port, fl, 1);
	key_maybe_free(m, k);
	flush(m);
	return rc;
}

int
mgm_del_membership(struct mgm *m, struct mgm_proto *h, uint16_t port,
		uint32_t src, uint32_t grp, enum mgm_member_flavour fl)
{
	struct mgm_key_state *k;
	int rc;

	if (!membership_args_ok(m, h, port, src, grp, fl))
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL)
		return -ENOENT;
	rc = member_change(m, k, h->slot, port, fl, 0);
	key_maybe_free(m, k);
	flush(m);
	return rc;
}

/* Remove every membership of slot s on the ports in mask. */
static void
strip_slot(struct mgm *m, int s, mf_portset_t mask)
{
	static const enum mgm_member_flavour fls[] = {
		MGM_SOURCE_BLOCK, MGM_JOIN, MGM_FORWARD };
	unsigned int i;

	/* Walk backwards: key_maybe_free only removes at or after i. */
	for (i = m->n_keys; i-- > 0;) {
		struct mgm_key_state *k = key_at(m, i);
		unsigned int f;

		for (f = 0; f < 3; f++) {
			mf_portset_t *set = fls[f] == MGM_JOIN ? &k->join[s] :
				fls[f] == MGM_FORWARD ? &k->fwd[s] :
				&k->block[s];
			int p;

			for (p = 0; p < MF_MAX_PORTS; p++)
				if ((*set & mask) & MF_PORTSET_BIT(p))
					member_change(m, k, s, (uint16_t)p,
						fls[f], 0);
		}
		if (i < m->n_keys && key_at(m, i) == k)
			key_maybe_free(m, k);
	}
}

/* ---------------------------------------------------------------- MFEs */

/*
 * Set f's timeout, keeping count of the MFEs that can expire: mgm_tick()
 * scans the keys only when there are any (a million static routes, whose
 * MFEs never expire, made every tick a 30 ms walk of the key store).
 */
static void
mfe_timeout_set(struct mgm *m, struct mgm_mfe *f, uint32_t timeout_ms)
{
	m->n_expiring -= f->timeout_ms != 0;
	m->n_expiring += timeout_ms != 0;
	f->timeout_ms = timeout_ms;
}

static void
mfe_free(struct mgm *m, struct mgm_key_state *k)
{
	mf_portset_t contrib[MGM_MAX_PROTOS];
	unsigned int rm;
	int s, owner = -1;

	if (k->mfe == NULL)
		return;
	contributions(m, k, contrib);
	if (k->mfe->iif != MF_PORT_ANY)
		owner = m->owner[k->mfe->iif];
	for (s = 0; s < MGM_MAX_PROTOS; s++)
		if (contrib[s] != 0 || s == owner ||
				s == k->mfe->creator_slot)
			ev_push(m, EV_DELETION_ALERT, s, 0, k->src, k->grp, 0);
	/* the interface towards S goes: its owner loses the receivers */
	rm = recv_mask(m, k);
	if (k->src != 0 && rm != 0)
		alerts(m, k, k->src, k->grp, rm, 0);
	mfe_timeout_set(m, k->mfe, 0);
	free(k->mfe);
	k->mfe = NULL;
	m->n_mfes--;
	refresh_group(m, k);
}

static struct mgm_mfe *
mfe_new(struct mgm *m, struct mgm_key_state *k, uint16_t iif,
		uint32_t timeout_ms, uint64_t now_ms)
{
	struct mgm_mfe *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->iif = iif;
	mfe_timeout_set(m, f, timeout_ms);
	f->created_ms = now_ms;
	f->last_active_ms = now_ms;
	f->creator_slot = -1;
	k->mfe = f;
	m->n_mfes++;
	return f;
}

int
mgm_new_source(struct mgm *m, uint32_t src, uint32_t grp, uint16_t in_port,
		uint64_t now_ms)
{
	struct mgm_key_state *k, *star;

	if (m == NULL || src == 0 || !mf_is_multicast(grp) || !port_ok(in_port))
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k != NULL && k->mfe != NULL)
		return -EEXIST;
	star = key_find(m, 0, grp);
	if ((k == NULL || !key_has_members(k)) &&
			(star == NULL || key_empty(star)))
		return -ENOENT;
	if (k == NULL) {
		k = key_get(m, src, grp);
		if (k == NULL)
			return -ENOMEM;
	}
	if (mfe_new(m, k, in_port, m->cfg.mfe_timeout_ms, now_ms) == NULL) {
		key_maybe_free(m, k);
		return -ENOMEM;
	}
	refresh(m, k);
	ev_push(m, EV_CREATED, -1, 0, src, grp, EV_F_RPF);
	flush(m);
	return 0;
}

int
mgm_mfe_add(struct mgm *m, struct mgm_proto *h, uint32_t src, uint32_t grp,
		uint16_t iif, uint32_t timeout_ms, uint64_t now_ms)
{
	struct mgm_key_state *k;
	struct mgm_mfe *f;

	if (m == NULL || !handle_ok(m, h) || !mf_is_multicast(grp) ||
			(!port_ok(iif) && iif != MF_PORT_ANY))
		return -EINVAL;
	k = key_get(m, src, grp);
	if (k == NULL)
		return -ENOMEM;
	if (k->mfe != NULL) {
		f = k->mfe;
		f->iif = iif;
		f->negative = 0;
		mfe_timeout_set(m, f, timeout_ms);
		f->last_active_ms = now_ms;
		f->creator_slot = h->slot;
		f->creator_id = h->proto_id;
		refresh_group(m, k);
		flush(m);
		return 1;
	}
	f = mfe_new(m, k, iif, timeout_ms, now_ms);
	if (f == NULL) {
		key_maybe_free(m, k);
		return -ENOMEM;
	}
	f->creator_slot = h->slot;
	f->creator_id = h->proto_id;
	refresh_group(m, k);
	ev_push(m, EV_CREATED, -1, 0, src, grp, 0);
	flush(m);
	return 0;
}

int
mgm_mfe_delete(struct mgm *m, uint32_t src, uint32_t grp)
{
	struct mgm_key_state *k;

	if (m == NULL)
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	mfe_free(m, k);
	key_maybe_free(m, k);
	flush(m);
	return 0;
}

static void
mfe_fill(const struct mgm_key_state *k, struct mgm_mfe_info *out)
{
	const struct mgm_mfe *f = k->mfe;

	memset(out, 0, sizeof(*out));
	out->src = k->src;
	out->grp = k->grp;
	out->iif = f->iif;
	out->upstream = f->upstream;
	out->oifs = k->in_view ? k->cur.oifs : 0;
	out->disabled = f->disabled;
	out->created_ms = f->created_ms;
	out->last_active_ms = f->last_active_ms;
	out->timeout_ms = f->timeout_ms;
	out->creator_id = f->creator_id;
	out->wrong_if_records = f->wrongif_records;
	out->wrong_if_callbacks = f->wrongif_cbs;
}

int
mgm_mfe_get(const struct mgm *m, uint32_t src, uint32_t grp,
		struct mgm_mfe_info *out)
{
	const struct mgm_key_state *k;

	if (m == NULL || out == NULL)
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	mfe_fill(k, out);
	return 0;
}

unsigned int
mgm_mfe_walk(const struct mgm *m, const struct mf_key *after,
		struct mgm_mfe_info *out, unsigned int max)
{
	unsigned int i, n = 0;

	if (m == NULL || out == NULL)
		return 0;
	for (i = key_after(m, after); i < m->n_keys && n < max; i++)
		if (key_at(m, i)->mfe != NULL)
			mfe_fill(key_at(m, i), &out[n++]);
	return n;
}

int
mgm_mfe_get_stats(struct mgm *m, uint32_t src, uint32_t grp,
		struct mgm_mfe_stats *out)
{
	const struct mgm_key_state *k;

	if (m == NULL || out == NULL)
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	if (m->cfg.mfe_stats == NULL)
		return -ENOTSUP;
	memset(out, 0, sizeof(*out));
	return m->cfg.mfe_stats(m->cfg.stats_ctx, src, grp, out);
}

int
mgm_mfe_set_iif(struct mgm *m, uint32_t src, uint32_t grp, uint16_t iif)
{
	struct mgm_key_state *k;

	if (m == NULL || (!port_ok(iif) && iif != MF_PORT_ANY))
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	k->mfe->iif = iif;
	refresh_group(m, k);
	flush(m);
	return 0;
}

int
mgm_mfe_set_upstream(struct mgm *m, uint32_t src, uint32_t grp,
		uint32_t upstream)
{
	struct mgm_key_state *k;

	if (m == NULL)
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	k->mfe->upstream = upstream;
	return 0;
}

int
mgm_mfe_set_timeout(struct mgm *m, uint32_t src, uint32_t grp,
		uint32_t timeout_ms, uint64_t now_ms)
{
	struct mgm_key_state *k;

	if (m == NULL)
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	mfe_timeout_set(m, k->mfe, timeout_ms);
	k->mfe->last_active_ms = now_ms;
	return 0;
}

unsigned int
mgm_mfe_count(const struct mgm *m)
{
	return m != NULL ? m->n_mfes : 0;
}

int
mgm_wrong_interface(struct mgm *m, uint32_t src, uint32_t grp,
		uint16_t in_port, uint64_t now_ms)
{
	struct mgm_key_state *k;
	struct mgm_event *ev;
	struct mgm_mfe *f;
	int target = -1;

	if (m == NULL || !port_ok(in_port))
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || k->mfe == NULL)
		return -ENOENT;
	f = k->mfe;
	f->wrongif_records++;
	if (f->wrongif_sent &&
			now_ms - f->last_wrongif_ms < m->cfg.wrongif_interval_ms)
		return 0;
	if (m->owner[in_port] >= 0 &&
			m->protos[m->owner[in_port]].ops.wrong_interface != NULL)
		target = m->owner[in_port];
	else if (f->iif != MF_PORT_ANY && m->owner[f->iif] >= 0 &&
			m->protos[m->owner[f->iif]].ops.wrong_interface != NULL)
		target = m->owner[f->iif];
	if (target < 0)
		return 0;
	ev = ev_push(m, EV_WRONG_IF, target, in_port, src, grp, 0);
	if (ev == NULL)
		return 0;
	ev->port2 = f->iif;
	f->wrongif_sent = 1;
	f->last_wrongif_ms = now_ms;
	f->wrongif_cbs++;
	flush(m);
	return 1;
}

/* Expiry check of the MFE of key index i. @return 1 when it expired. */
static unsigned int
tick_key(struct mgm *m, unsigned int i, uint64_t now_ms)
{
	struct mgm_key_state *k = key_at(m, i);
	struct mgm_mfe *f = k->mfe;

	if (f == NULL || f->timeout_ms == 0)
		return 0;
	if (m->cfg.mfe_stats != NULL) {
		struct mgm_mfe_stats st;

		memset(&st, 0, sizeof(st));
		if (m->cfg.mfe_stats(m->cfg.stats_ctx, k->src, k->grp,
				&st) == 0 && st.in_pkts != f->last_in_pkts) {
			f->last_in_pkts = st.in_pkts;
			f->last_active_ms = now_ms;
			return 0;
		}
	}
	if (now_ms - f->last_active_ms < f->timeout_ms)
		return 0;
	/* keys are not freed here: k is dirty, drain frees */
	mfe_free(m, k);
	return 1;
}

unsigned int
mgm_tick(struct mgm *m, uint64_t now_ms)
{
	unsigned int i, expired = 0;

	if (m == NULL)
		return 0;
	for (i = 0; m->n_expiring > 0 && i < m->n_keys; i++)
		expired += tick_key(m, i, now_ms);
	flush(m);
	return expired;
}

unsigned int
mgm_tick_some(struct mgm *m, uint64_t now_ms, unsigned int max_keys)
{
	unsigned int n, expired = 0;

	if (m == NULL)
		return 0;
	for (n = 0; m->n_expiring > 0 && n < max_keys; n++) {
		if (m->tick_pos >= m->n_keys) {
			m->tick_pos = 0;	/* a pass is complete */
			break;
		}
		expired += tick_key(m, m->tick_pos++, now_ms);
	}
	flush(m);
	return expired;
}

/* ---------------------------------------------------- ownership */

/* Owner of port changes to slot new_owner (-1: none). */
static void
ownership_change(struct mgm *m, uint16_t port, int new_owner)
{
	int runs = (m->igmp_ports & MF_PORTSET_BIT(port)) != 0;

	if (m->igmp_slot >= 0)
		strip_slot(m, m->igmp_slot, MF_PORTSET_BIT(port));
	if (runs)
		ev_push(m, EV_DISABLE_IGMP, m->igmp_slot, port, 0, 0, 0);
	m->owner[port] = (int8_t)new_owner;
	if (runs)
		ev_push(m, EV_ENABLE_IGMP, m->igmp_slot, port, 0, 0, 0);
}

int
mgm_take_interface(struct mgm *m, struct mgm_proto *h, uint16_t port)
{
	if (m == NULL || !handle_ok(m, h) || !port_ok(port))
		return -EINVAL;
	if (h->slot == m->igmp_slot) {
		if (m->igmp_ports & MF_PORTSET_BIT(port))
			return -EEXIST;
		m->igmp_ports |= MF_PORTSET_BIT(port);
		return 0;
	}
	if (m->owner[port] == h->slot)
		return -EEXIST;
	if (m->owner[port] >= 0)
		return -EBUSY;
	ownership_change(m, port, h->slot);
	flush(m);
	return 0;
}

int
mgm_release_interface(struct mgm *m, struct mgm_proto *h, uint16_t port)
{
	unsigned int i;

	if (m == NULL || !handle_ok(m, h) || !port_ok(port))
		return -EINVAL;
	if (h->slot == m->igmp_slot) {
		if (!(m->igmp_ports & MF_PORTSET_BIT(port)))
			return -ENOENT;
		strip_slot(m, h->slot, MF_PORTSET_BIT(port));
		m->igmp_ports &= ~MF_PORTSET_BIT(port);
		flush(m);
		return 0;
	}
	if (m->owner[port] != h->slot)
		return -ENOENT;
	strip_slot(m, h->slot, MF_PORTSET_BIT(port));
	for (i = m->n_keys; i-- > 0;) {
		struct mgm_key_state *k = key_at(m, i);

		/* MFEs another protocol made with a fixed iif stay theirs */
		if (k->mfe != NULL && k->mfe->iif == port &&
				(k->mfe->creator_slot < 0 ||
				 k->mfe->creator_slot == h->slot)) {
			mfe_free(m, k);
			key_maybe_free(m, k);
		}
	}
	ownership_change(m, port, -1);
	flush(m);
	return 0;
}

struct mgm_proto *
mgm_interface_owner(const struct mgm *m, uint16_t port)
{
	if (m == NULL || !port_ok(port) || m->owner[port] < 0)
		return NULL;
	return (struct mgm_proto *)(uintptr_t)&m->protos[m->owner[port]];
}

int
mgm_interface_igmp(const struct mgm *m, uint16_t port)
{
	if (m == NULL || !port_ok(port))
		return 0;
	return (m->igmp_ports & MF_PORTSET_BIT(port)) != 0;
}

int
mgm_deregister(struct mgm *m, struct mgm_proto *h)
{
	unsigned int i;
	int p;

	if (m == NULL || !handle_ok(m, h))
		return -EINVAL;
	for (p = 0; p < MF_MAX_PORTS; p++)
		if (m->owner[p] == h->slot)
			return -EBUSY;
	if (h->slot == m->igmp_slot && m->igmp_ports != 0)
		return -EBUSY;
	strip_slot(m, h->slot, ~(mf_portset_t)0);
	for (i = m->n_keys; i-- > 0;) {
		struct mgm_key_state *k = key_at(m, i);

		if (k->mfe != NULL && k->mfe->creator_slot == h->slot) {
			mfe_free(m, k);
			key_maybe_free(m, k);
		}
	}
	h->in_use = 0;
	h->gen++;		/* queued events for it are now stale */
	memset(&h->ops, 0, sizeof(h->ops));
	if (h->slot == m->igmp_slot)
		m->igmp_slot = -1;
	flush(m);
	return 0;
}

/* ------------------------------------------------------------ queries */

unsigned int
mgm_membership_walk(const struct mgm *m, const struct mgm_proto *h,
		const struct mf_key *after, struct mgm_membership_rec *out,
		unsigned int max)
{
	unsigned int i, n = 0;

	if (m == NULL || out == NULL || (h != NULL && !handle_ok(m, h)))
		return 0;
	for (i = key_after(m, after); i < m->n_keys && n < max; i++) {
		const struct mgm_key_state *k = key_at(m, i);
		struct mgm_membership_rec r;
		int s;

		memset(&r, 0, sizeof(r));
		r.src = k->src;
		r.grp = k->grp;
		for (s = 0; s < MGM_MAX_PROTOS; s++) {
			if (h != NULL && s != h->slot)
				continue;
			r.join |= k->join[s];
			r.forward |= k->fwd[s];
			r.block |= k->block[s];
		}
		if (r.join | r.forward | r.block)
			out[n++] = r;
	}
	return n;
}

unsigned int
mgm_group_enum(const struct mgm *m, const struct mgm_proto *h,
		uint32_t after_grp, uint32_t *grps, unsigned int max)
{
	unsigned int i, n = 0;

	if (m == NULL || grps == NULL || (h != NULL && !handle_ok(m, h)))
		return 0;
	i = after_grp == UINT32_MAX ? m->n_keys :
		key_lower_bound(m, after_grp + 1, 0);
	for (; i < m->n_keys && n < max; i++) {
		const struct mgm_key_state *k = key_at(m, i);
		int s, has = 0;

		if (n > 0 && grps[n - 1] == k->grp)
			continue;
		for (s = 0; s < MGM_MAX_PROTOS && !has; s++) {
			if (h != NULL && s != h->slot)
				continue;
			has = (k->join[s] | k->fwd[s]) != 0;
		}
		if (has)
			grps[n++] = k->grp;
	}
	return n;
}

/* ------------------------------------------------------ forwarding view */

int
mgm_fwd_get(struct mgm *m, uint32_t src, uint32_t grp,
		struct mgm_fwd_entry *e)
{
	const struct mgm_key_state *k;

	if (m == NULL || e == NULL)
		return -EINVAL;
	k = key_find(m, src, grp);
	if (k == NULL || !k->in_view)
		return -ENOENT;
	*e = k->cur;
	return 0;
}

unsigned int
mgm_fwd_drain_dirty(struct mgm *m, struct mf_key *keys, unsigned int max)
{
	unsigned int n = 0;

	if (m == NULL || keys == NULL)
		return 0;
	while (n < max && m->dirty_head < m->n_dirty) {
		struct mgm_key_state *k = m->dirty[m->dirty_head++];

		keys[n].src = k->src;
		keys[n].grp = k->grp;
		n++;
		k->dirty = 0;
		key_maybe_free(m, k);
	}
	if (m->dirty_head == m->n_dirty) {
		m->dirty_head = 0;
		m->n_dirty = 0;
	}
	return n;
}

unsigned int
mgm_fwd_dirty_count(const struct mgm *m)
{
	return m != NULL ? m->n_dirty - m->dirty_head : 0;
}
