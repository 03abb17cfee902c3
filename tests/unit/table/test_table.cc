// SPDX-License-Identifier: BSD-3-Clause
// Unit tests for lib/table: the RCU group table and replication lists.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "shim_eal.h"
#include "shim_table.h"

namespace {

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (a << 24) | (b << 16) | (c << 8) | d;
}

const uint32_t G1 = ip(232, 1, 1, 1);
const uint32_t G2 = ip(232, 1, 1, 2);
const uint32_t S1 = ip(198, 18, 0, 1);
const uint32_t S2 = ip(198, 18, 0, 2);

class EalEnv : public ::testing::Environment {
public:
	void SetUp() override
	{
		ASSERT_EQ(shim_eal_init("mf_table_unit", nullptr, 0), 0);
	}
};

int table_seq;

struct TableTest : public ::testing::Test {
	struct mf_table *t = nullptr;
	struct rte_rcu_qsbr *qsv = nullptr;
	size_t heap0 = 0;

	void make(uint32_t max_entries, uint16_t n_workers, bool rcu)
	{
		heap0 = shim_heap_used();
		if (rcu) {
			qsv = shim_qsv_create(4);
			ASSERT_NE(qsv, nullptr);
		}
		std::string name = "tbl" + std::to_string(table_seq++);
		struct mf_table_params p = {};
		p.name = name.c_str();
		p.max_entries = max_entries;
		p.socket_id = 0;
		p.qsv = qsv;
		p.n_workers = n_workers;
		t = mf_table_create(&p);
		ASSERT_NE(t, nullptr);
	}

	// A list whose oifs follow the pattern the reader shim checks:
	// ports first, first+1, ... (mod 32), all with threshold ttl.
	struct mf_repl_list *list(uint16_t iif, uint16_t n, uint16_t first,
			uint8_t ttl = 1, uint16_t flags = 0)
	{
		struct mf_repl_list *l = mf_repl_list_alloc(t, n);

		if (l == nullptr)
			return nullptr;
		shim_list_set(l, iif, flags, n);
		for (uint16_t i = 0; i < n; i++)
			shim_list_set_oif(l, i, (first + i) % MF_MAX_PORTS,
					ttl);
		return l;
	}

	void TearDown() override
	{
		mf_table_free(t);
		if (qsv != nullptr)
			shim_qsv_free(qsv);
		// Every list, key store and the hash went back to the heap.
		EXPECT_EQ(shim_heap_used(), heap0);
	}
};

TEST_F(TableTest, lookup_prefers_source_entry_then_falls_back_to_star)
{
	make(64, 1, false);
	struct mf_repl_list *sg = list(1, 2, 2);
	struct mf_repl_list *star = list(MF_PORT_ANY, 3, 5);
	ASSERT_EQ(mf_table_publish(t, S1, G1, sg), 0);
	ASSERT_EQ(mf_table_publish(t, 0, G1, star), 0);
	EXPECT_EQ(mf_table_count(t), 2u);

	struct mf_key keys[5] = {
		{ S1, G1 }, { S2, G1 }, { S1, G2 }, { 0, G1 }, { 0, G2 },
	};
	const struct mf_repl_list *out[5];
	EXPECT_EQ(mf_table_lookup_bulk(t, keys, 5, out), 3u);
	EXPECT_EQ(out[0], sg);
	EXPECT_EQ(out[1], star);
	EXPECT_EQ(out[2], nullptr);
	EXPECT_EQ(out[3], star);
	EXPECT_EQ(out[4], nullptr);
	EXPECT_EQ(out[0]->oif_mask, MF_PORTSET_BIT(2) | MF_PORTSET_BIT(3));
	EXPECT_EQ(out[0]->key.src, S1);
	EXPECT_EQ(mf_table_lookup_exact(t, S2, G1), nullptr);
	EXPECT_EQ(mf_table_lookup_exact(t, 0, G1), star);
}

TEST_F(TableTest, replace_and_remove_change_what_readers_find)
{
	make(64, 1, false);
	struct mf_repl_list *a = list(1, 1, 2);
	struct mf_repl_list *b = list(1, 2, 7);
	struct mf_repl_list *star = list(MF_PORT_ANY, 1, 9);
	ASSERT_EQ(mf_table_publish(t, S1, G1, a), 0);
	ASSERT_EQ(mf_table_publish(t, 0, G1, star), 0);
	ASSERT_EQ(mf_table_publish(t, S1, G1, b), 0);
	EXPECT_EQ(mf_table_count(t), 2u);
	EXPECT_EQ(mf_table_lookup_exact(t, S1, G1), b);

	struct mf_table_mem mem;
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.lists, 2u);
	EXPECT_EQ(mem.retired, 1u);

	ASSERT_EQ(mf_table_remove(t, S1, G1), 0);
	EXPECT_EQ(mf_table_remove(t, S1, G1), -ENOENT);
	EXPECT_EQ(mf_table_count(t), 1u);
	struct mf_key k = { S1, G1 };
	const struct mf_repl_list *out;
	EXPECT_EQ(mf_table_lookup_bulk(t, &k, 1, &out), 1u);
	EXPECT_EQ(out, star);

	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 2u);
	EXPECT_EQ(mem.retired_keys, 1u);
	// No RCU variable: reclaim frees both lists and the key slot at once.
	EXPECT_EQ(mf_table_reclaim(t), 3u);
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 0u);
	EXPECT_EQ(mem.retired_bytes, 0u);
	EXPECT_EQ(mem.retired_keys, 0u);
}

TEST_F(TableTest, publish_rejects_bad_lists_and_caller_keeps_them)
{
	make(64, 1, false);
	struct mf_repl_list *l = list(1, 2, 2);
	EXPECT_EQ(mf_table_publish(t, S1, ip(10, 0, 0, 1), l), -EINVAL);
	shim_list_set_oif(l, 1, 40, 1);
	EXPECT_EQ(mf_table_publish(t, S1, G1, l), -EINVAL);
	shim_list_set_oif(l, 1, 3, 1);
	shim_list_set(l, 33, 0, 2);
	EXPECT_EQ(mf_table_publish(t, S1, G1, l), -EINVAL);
	shim_list_set(l, 1, 0, 3);  // more than allocated
	EXPECT_EQ(mf_table_publish(t, S1, G1, l), -EINVAL);
	shim_list_set(l, 1, 0, 2);
	EXPECT_EQ(mf_table_count(t), 0u);
	EXPECT_EQ(mf_table_publish(t, S1, G1, l), 0);
	EXPECT_EQ(mf_table_count(t), 1u);
	EXPECT_EQ(mf_repl_list_alloc(t, MF_MAX_PORTS + 1), nullptr);
	struct mf_repl_list *spare = list(1, 1, 1);
	mf_repl_list_free(t, spare);
}

TEST_F(TableTest, publish_marks_lists_whose_thresholds_pass_any_ttl)
{
	make(64, 1, false);
	// Thresholds 0 and 1: any forwarded TTL passes; the caller's flag
	// value does not matter.
	struct mf_repl_list *a = list(1, 3, 1, 1, MF_REPL_F_NOTIFY_NEW_SOURCE);
	shim_list_set_oif(a, 0, 1, 0);
	ASSERT_EQ(mf_table_publish(t, S1, G1, a), 0);
	const struct mf_repl_list *got = mf_table_lookup_exact(t, S1, G1);
	EXPECT_EQ(got->flags, MF_REPL_F_NOTIFY_NEW_SOURCE | MF_REPL_F_TTL_ANY);
	// One oif with a threshold above 1 clears it, even if the caller set it.
	struct mf_repl_list *b = list(1, 3, 1, 1, MF_REPL_F_TTL_ANY);
	shim_list_set_oif(b, 2, 3, 2);
	ASSERT_EQ(mf_table_publish(t, S1, G1, b), 0);
	got = mf_table_lookup_exact(t, S1, G1);
	EXPECT_EQ(got->flags, 0u);
	// No oifs: nothing to compare.
	ASSERT_EQ(mf_table_publish(t, S2, G1, list(1, 0, 0)), 0);
	EXPECT_EQ(mf_table_lookup_exact(t, S2, G1)->flags, MF_REPL_F_TTL_ANY);
}

TEST_F(TableTest, freed_list_fails_the_readers_magic_check)
{
	make(16, 1, false);
	struct mf_repl_list *l = list(1, 1, 1);
	EXPECT_EQ(shim_list_magic(l), MF_REPL_LIST_MAGIC);
	mf_repl_list_free(t, l);
	// The memory stays mapped (DPDK heap); it no longer reads as a list.
	EXPECT_NE(shim_list_magic(l), MF_REPL_LIST_MAGIC);
}

TEST_F(TableTest, counters_sum_over_workers_and_carry_over_on_replace)
{
	make(64, 3, false);
	struct mf_repl_list *a = list(1, 3, 1);  // ports 1, 2, 3
	ASSERT_EQ(mf_table_publish(t, S1, G1, a), 0);
	shim_list_count(a, 0, 0, 5, 500);   // port 1
	shim_list_count(a, 1, 1, 7, 700);   // port 2
	shim_list_count(a, 2, 2, 11, 1100); // port 3

	struct mf_route_stats rs;
	struct mf_oif_stats os[MF_MAX_PORTS];
	uint16_t n = 0;
	ASSERT_EQ(mf_table_route_stats(t, S1, G1, &rs, os, &n), 0);
	EXPECT_EQ(n, 3);
	EXPECT_EQ(rs.in_pkts, 23u);
	EXPECT_EQ(rs.in_bytes, 2300u);
	EXPECT_EQ(os[0].out_pkts, 5u);
	EXPECT_EQ(os[1].out_pkts, 7u);
	EXPECT_EQ(os[2].out_pkts, 11u);

	struct mf_repl_list *b = list(1, 3, 2);  // ports 2, 3, 4
	ASSERT_EQ(mf_table_publish(t, S1, G1, b), 0);
	ASSERT_EQ(mf_table_route_stats(t, S1, G1, &rs, os, &n), 0);
	EXPECT_EQ(rs.in_pkts, 23u);
	EXPECT_EQ(rs.in_bytes, 2300u);
	EXPECT_EQ(os[0].out_pkts, 7u);   // port 2
	EXPECT_EQ(os[1].out_pkts, 11u);  // port 3
	EXPECT_EQ(os[2].out_pkts, 0u);   // port 4 is new
	EXPECT_EQ(mf_table_route_stats(t, S2, G1, &rs, os, &n), -ENOENT);
}

TEST_F(TableTest, reclaim_frees_only_after_every_reader_is_quiescent)
{
	make(64, 2, true);
	ASSERT_EQ(shim_qsv_register(qsv, 0), 0);
	ASSERT_EQ(shim_qsv_register(qsv, 1), 0);
	shim_qsv_online(qsv, 0);
	shim_qsv_online(qsv, 1);

	size_t before = shim_heap_used();
	ASSERT_EQ(mf_table_publish(t, S1, G1, list(1, 2, 2)), 0);
	ASSERT_EQ(mf_table_publish(t, S1, G1, list(1, 2, 3)), 0);
	ASSERT_EQ(mf_table_publish(t, S1, G1, list(1, 2, 4)), 0);
	// Batch 1: two retired lists, one token.
	EXPECT_EQ(mf_table_reclaim(t), 0u);
	ASSERT_EQ(mf_table_remove(t, S1, G1), 0);
	// Batch 2: one list and one key slot.
	EXPECT_EQ(mf_table_reclaim(t), 0u);

	struct mf_table_mem mem;
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 3u);
	EXPECT_EQ(mem.retired_keys, 1u);

	shim_qsv_quiescent(qsv, 0);
	EXPECT_EQ(mf_table_reclaim(t), 0u);  // reader 1 still holds
	shim_qsv_quiescent(qsv, 1);
	EXPECT_EQ(mf_table_reclaim(t), 4u);  // both batches
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 0u);
	EXPECT_EQ(mem.retired_keys, 0u);
	EXPECT_EQ(mem.lists, 0u);
	// Freed lists go back to the table's slab, whose chunks stay until
	// mf_table_free: the heap holds those chunks (and their rte_malloc
	// headers) and nothing else; the same lists again take nothing more.
	size_t slab_heap = shim_heap_used() - before;
	EXPECT_GE(slab_heap, mem.slab_bytes);
	EXPECT_LE(slab_heap, mem.slab_bytes + 256);
	ASSERT_EQ(mf_table_publish(t, S1, G1, list(1, 2, 2)), 0);
	ASSERT_EQ(mf_table_remove(t, S1, G1), 0);
	shim_qsv_quiescent(qsv, 0);
	shim_qsv_quiescent(qsv, 1);
	EXPECT_EQ(mf_table_reclaim(t), 0u);  // token taken after the quiescence
	shim_qsv_quiescent(qsv, 0);
	shim_qsv_quiescent(qsv, 1);
	EXPECT_EQ(mf_table_reclaim(t), 2u);
	EXPECT_EQ(shim_heap_used() - before, slab_heap);

	// An offline reader does not hold back grace periods.
	ASSERT_EQ(mf_table_publish(t, S2, G2, list(1, 1, 1)), 0);
	ASSERT_EQ(mf_table_remove(t, S2, G2), 0);
	shim_qsv_offline(qsv, 0);
	EXPECT_EQ(mf_table_reclaim(t), 0u);
	shim_qsv_quiescent(qsv, 1);
	EXPECT_EQ(mf_table_reclaim(t), 2u);
	shim_qsv_offline(qsv, 1);
	shim_qsv_unregister(qsv, 0);
	shim_qsv_unregister(qsv, 1);
}

TEST_F(TableTest, deleted_key_slot_is_reused_only_after_the_grace_period)
{
	make(8, 1, true);
	ASSERT_EQ(shim_qsv_register(qsv, 0), 0);
	shim_qsv_online(qsv, 0);
	for (uint32_t i = 0; i < 8; i++)
		ASSERT_EQ(mf_table_publish(t, S1 + i, G1, list(1, 1, 1)), 0)
			<< i;
	struct mf_repl_list *extra = list(1, 1, 1);
	EXPECT_EQ(mf_table_publish(t, S2 + 100, G1, extra), -ENOSPC);
	ASSERT_EQ(mf_table_remove(t, S1, G1), 0);
	mf_table_reclaim(t);
	// The slot is still reserved: a reader may hold it.
	EXPECT_EQ(mf_table_publish(t, S2 + 100, G1, extra), -ENOSPC);
	shim_qsv_quiescent(qsv, 0);
	EXPECT_EQ(mf_table_reclaim(t), 2u);
	EXPECT_EQ(mf_table_publish(t, S2 + 100, G1, extra), 0);
	EXPECT_EQ(mf_table_count(t), 8u);
	shim_qsv_offline(qsv, 0);
	shim_qsv_unregister(qsv, 0);
}

TEST_F(TableTest, many_pending_batches_merge_and_all_get_freed)
{
	make(256, 1, true);
	ASSERT_EQ(shim_qsv_register(qsv, 0), 0);
	shim_qsv_online(qsv, 0);
	// 150 batches while the reader never quiesces: more than the table
	// tracks separately, so later ones merge into the newest.
	for (uint32_t i = 0; i < 150; i++) {
		ASSERT_EQ(mf_table_publish(t, S1 + i, G1, list(1, 1, 1)), 0);
		if (i % 2 == 1)
			ASSERT_EQ(mf_table_remove(t, S1 + i - 1, G1), 0);
		else
			ASSERT_EQ(mf_table_publish(t, S1 + i, G1,
					list(1, 2, 3)), 0);
		EXPECT_EQ(mf_table_reclaim(t), 0u) << i;
	}
	struct mf_table_mem mem;
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 150u);
	EXPECT_EQ(mem.retired_keys, 75u);
	shim_qsv_quiescent(qsv, 0);
	EXPECT_EQ(mf_table_reclaim(t), 225u);
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 0u);
	EXPECT_EQ(mem.retired_keys, 0u);
	EXPECT_EQ(mf_table_count(t), 75u);

	// Left pending at free time: mf_table_free releases it too (the
	// fixture checks the heap).
	ASSERT_EQ(mf_table_remove(t, S1 + 1, G1), 0);
	mf_table_reclaim(t);
	ASSERT_EQ(mf_table_publish(t, S1 + 3, G1, list(1, 1, 1)), 0);
	shim_qsv_offline(qsv, 0);
	shim_qsv_unregister(qsv, 0);
}

TEST_F(TableTest, reclaim_sync_waits_for_a_reader_thread)
{
	make(64, 1, true);
	uint32_t stop = 0;
	struct mf_key k = { S1, G1 };
	struct shim_reader_result res = {};
	ASSERT_EQ(mf_table_publish(t, S1, G1, list(1, 1, 1)), 0);
	std::thread reader([&] {
		shim_table_reader(t, qsv, 0, &k, 1, &stop, &res);
	});
	while (shim_flag_get(&res.started) == 0)
		std::this_thread::yield();
	ASSERT_EQ(mf_table_publish(t, S1, G1, list(1, 1, 2)), 0);
	ASSERT_EQ(mf_table_remove(t, S1, G1), 0);
	mf_table_reclaim_sync(t);
	struct mf_table_mem mem;
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 0u);
	EXPECT_EQ(mem.retired_keys, 0u);
	shim_flag_set(&stop, 1);
	reader.join();
	EXPECT_EQ(res.bad_magic + res.bad_key + res.bad_oifs, 0u);
}

TEST_F(TableTest, iterate_and_next_visit_every_entry_once)
{
	make(256, 1, false);
	for (uint32_t i = 0; i < 100; i++)
		ASSERT_EQ(mf_table_publish(t, i == 0 ? 0 : S1 + i, G1 + i % 7,
				list(MF_PORT_ANY, 1, (uint16_t)(i % 32))), 0);
	EXPECT_EQ(mf_table_count(t), 100u);
	std::vector<int> seen(100, 0);
	auto cb = [](const struct mf_key *k, const struct mf_repl_list *l,
			void *arg) -> int {
		auto *v = static_cast<std::vector<int> *>(arg);
		uint32_t i = k->src == 0 ? 0 : k->src - S1;
		if (i < 100 && l->key.src == k->src && l->key.grp == k->grp)
			(*v)[i]++;
		return 0;
	};
	EXPECT_EQ(mf_table_iterate(t, cb, &seen), 100u);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(seen[i], 1) << i;

	uint32_t it = 0;
	unsigned int n = 0;
	struct mf_key k;
	const struct mf_repl_list *l;
	while (mf_table_next(t, &it, &k, &l) == 0)
		n++;
	EXPECT_EQ(n, 100u);

	struct mf_table_mem mem;
	size_t total = mf_table_memory(t, &mem);
	EXPECT_EQ(mem.lists, 100u);
	EXPECT_GT(mem.lists_bytes, 100u * 64);
	EXPECT_EQ(total, mem.hash_bytes + mem.lists_bytes + mem.retired_bytes);
}

// Random adds, replaces and removes on a table small enough that keys
// share buckets and probe into their neighbours (wrapping at the end),
// checked after every change against a plain map: exact and bulk lookups
// (with the (*,G) fallback), the count, and the table's own invariants
// (mf_table_audit: overflow counts, every key reachable).
void
model_check(TableTest *f, uint32_t max_entries, unsigned int pool_n,
		unsigned int steps, uint32_t seed)
{
	std::vector<struct mf_key> pool(pool_n);
	for (unsigned int i = 0; i < pool_n; i++) {
		// A few groups, each with a (*,G) in the pool.
		pool[i].grp = G1 + i % 5;
		pool[i].src = i < 5 ? 0 : S1 + i;
	}
	std::map<uint64_t, const struct mf_repl_list *> model;
	auto mk = [](const struct mf_key &k) {
		return (uint64_t)k.grp << 32 | k.src;
	};
	auto want = [&](const struct mf_key &k) -> const struct mf_repl_list * {
		auto it = model.find(mk(k));
		if (it != model.end())
			return it->second;
		if (k.src == 0)
			return nullptr;
		it = model.find((uint64_t)k.grp << 32);
		return it == model.end() ? nullptr : it->second;
	};
	std::mt19937 rng(seed);
	unsigned int added = 0, removed = 0, full = 0;
	for (unsigned int step = 0; step < steps; step++) {
		const struct mf_key &k = pool[rng() % pool_n];
		if (rng() % 3 == 0) {
			int ret = mf_table_remove(f->t, k.src, k.grp);
			ASSERT_EQ(ret, model.count(mk(k)) ? 0 : -ENOENT);
			removed += model.erase(mk(k));
		} else {
			struct mf_repl_list *l = f->list(1, 1,
					(uint16_t)(rng() % 32));
			ASSERT_NE(l, nullptr);
			int ret = mf_table_publish(f->t, k.src, k.grp, l);
			if (ret == -ENOSPC) {
				// Only a new key, and only when full.
				ASSERT_EQ(model.count(mk(k)), 0u);
				ASSERT_EQ(model.size(), max_entries);
				mf_repl_list_free(f->t, l);
				full++;
			} else {
				ASSERT_EQ(ret, 0);
				added += model.count(mk(k)) == 0;
				model[mk(k)] = l;
			}
		}
		// No readers: the slots of removed keys are free at once.
		mf_table_reclaim(f->t);
		ASSERT_EQ(mf_table_audit(f->t), 0) << "step " << step;
		ASSERT_EQ(mf_table_count(f->t), model.size());
		const struct mf_repl_list *got[MF_TABLE_LOOKUP_MAX];
		for (unsigned int off = 0; off < pool_n; off += 32) {
			unsigned int n = std::min(32u, pool_n - off);
			mf_table_lookup_bulk(f->t, &pool[off], n, got);
			for (unsigned int i = 0; i < n; i++)
				ASSERT_EQ(got[i], want(pool[off + i]))
					<< "step " << step << " key " << off + i;
		}
		for (const auto &k2 : pool) {
			auto it = model.find(mk(k2));
			ASSERT_EQ(mf_table_lookup_exact(f->t, k2.src, k2.grp),
					it == model.end() ? nullptr : it->second);
		}
	}
	// The run must have exercised adds, removes and a full table.
	EXPECT_GT(added, steps / 10);
	EXPECT_GT(removed, steps / 20);
	EXPECT_GT(full, 0u);
	unsigned int n = 0;
	uint32_t it = 0;
	struct mf_key key;
	const struct mf_repl_list *l;
	while (mf_table_next(f->t, &it, &key, &l) == 0) {
		ASSERT_EQ(model.count(mk(key)), 1u);
		EXPECT_EQ(model[mk(key)], l);
		n++;
	}
	EXPECT_EQ(n, model.size());
}

TEST_F(TableTest, colliding_keys_match_a_model_in_a_tiny_table)
{
	// 8 entries: 4 buckets of 3 slots, so most keys leave their bucket.
	make(8, 1, false);
	model_check(this, 8, 24, 3000, 1);
}

TEST_F(TableTest, colliding_keys_match_a_model_in_a_small_table)
{
	make(96, 1, false);
	model_check(this, 96, 160, 2000, 2);
}

TEST_F(TableTest, a_removed_key_keeps_its_probe_path_until_it_is_dead)
{
	// Fill a tiny table, then remove keys and check at each step that the
	// rest stay reachable and the overflow counts shrink with them.
	make(8, 1, false);
	for (uint32_t i = 0; i < 8; i++)
		ASSERT_EQ(mf_table_publish(t, S1 + i, G1, list(1, 1, 1)), 0);
	ASSERT_EQ(mf_table_audit(t), 0);
	for (uint32_t i = 0; i < 8; i++) {
		ASSERT_EQ(mf_table_remove(t, S1 + i, G1), 0);
		ASSERT_EQ(mf_table_audit(t), 0) << i;
		for (uint32_t j = i + 1; j < 8; j++)
			EXPECT_NE(mf_table_lookup_exact(t, S1 + j, G1), nullptr)
				<< i << " " << j;
		EXPECT_EQ(mf_table_lookup_exact(t, S1 + i, G1), nullptr);
	}
	mf_table_reclaim(t);
	ASSERT_EQ(mf_table_audit(t), 0);
	EXPECT_EQ(mf_table_count(t), 0u);
}

// A reader thread hammers bulk lookups (like a worker) while the writer
// replaces, removes and re-adds entries and reclaims after each batch. The
// reader checks every list it is handed: freed memory (poisoned or reused)
// fails the magic, key or oif-pattern check.
void
churn_with_reader(TableTest *f, uint32_t max_entries)
{
	struct mf_table *t;
	struct rte_rcu_qsbr *qsv;
	auto list = [f](uint16_t iif, uint16_t n, uint16_t first,
			uint8_t ttl) { return f->list(iif, n, first, ttl); };

	f->make(max_entries, 2, true);
	t = f->t;
	qsv = f->qsv;
	const unsigned int n_keys = 64;
	std::vector<struct mf_key> keys(n_keys);
	for (unsigned int i = 0; i < n_keys; i++) {
		// Half (S,G) keys, half sources that only have a (*,G).
		keys[i].src = S1 + i;
		keys[i].grp = G1 + i % 8;
	}
	// The churned (S,G)s first, so that in a crowded table the (*,G)s
	// that must always be found land past their home buckets.
	for (unsigned int i = 0; i < n_keys / 2; i++)
		ASSERT_EQ(mf_table_publish(t, keys[i].src, keys[i].grp,
				list(1, 1, 1, 1)), 0);
	for (unsigned int g = 0; g < 8; g++)
		ASSERT_EQ(mf_table_publish(t, 0, G1 + g,
				list(MF_PORT_ANY, 4, (uint16_t)g, 1)), 0);

	uint32_t stop = 0;
	struct shim_reader_result res = {};
	std::thread reader([&] {
		shim_table_reader(t, qsv, 1, keys.data(), n_keys, &stop, &res);
	});

	std::mt19937 rng(12345);
	uint64_t changes = 0, freed = 0;
	uint64_t enospc = 0, alloc_fail = 0, other_err = 0;
	auto t0 = std::chrono::steady_clock::now();
	const auto limit = std::chrono::milliseconds(400);
	for (unsigned int round = 0; round < 200000; round++) {
		if (std::chrono::steady_clock::now() - t0 > limit)
			break;
		// A batch of 1..4 changes, then one reclaim.
		unsigned int nb = 1 + rng() % 4;
		for (unsigned int c = 0; c < nb; c++) {
			unsigned int i = rng() % (n_keys / 2);
			uint16_t n = (uint16_t)(1 + rng() % 8);
			uint16_t first = (uint16_t)(rng() % 32);
			uint8_t ttl = (uint8_t)(rng() % 200);
			if (rng() % 4 == 0) {
				mf_table_remove(t, keys[i].src, keys[i].grp);
			} else {
				struct mf_repl_list *l = list(1, n, first,
						ttl);
				if (l == nullptr) {
					alloc_fail++;
					continue;
				}
				int ret = mf_table_publish(t, keys[i].src,
						keys[i].grp, l);
				if (ret == -ENOSPC) {
					// Deleted slots wait for the reader's
					// grace period; try again next round.
					mf_repl_list_free(t, l);
					enospc++;
				} else if (ret != 0) {
					other_err++;
					mf_repl_list_free(t, l);
				}
			}
			changes++;
		}
		freed += mf_table_reclaim(t);
	}
	shim_flag_set(&stop, 1);
	reader.join();

	EXPECT_GT(res.loops, 0u);
	EXPECT_GT(res.hits, 0u);
	// Every group's (*,G) stays in the table: a lookup that finds nothing
	// missed a key while the writer changed the slots around it.
	EXPECT_EQ(res.misses, 0u);
	EXPECT_EQ(mf_table_audit(t), 0);
	EXPECT_EQ(res.bad_magic, 0u);
	EXPECT_EQ(res.bad_key, 0u);
	EXPECT_EQ(res.bad_oifs, 0u);
	EXPECT_GT(changes, 0u);
	EXPECT_EQ(alloc_fail, 0u);
	EXPECT_EQ(other_err, 0u);
	// Reclaim freed lists while the reader was running (it is offline
	// now, so whatever is left goes at the next reclaim).
	EXPECT_GT(freed, 0u);
	mf_table_reclaim(t);
	struct mf_table_mem mem;
	mf_table_memory(t, &mem);
	EXPECT_EQ(mem.retired, 0u);
	EXPECT_EQ(mem.retired_keys, 0u);
	::testing::Test::RecordProperty("reader_loops",
			std::to_string(res.loops));
	::testing::Test::RecordProperty("writer_changes",
			std::to_string(changes));
	::testing::Test::RecordProperty("writer_enospc",
			std::to_string(enospc));
}

TEST_F(TableTest, concurrent_reader_never_sees_a_freed_list)
{
	churn_with_reader(this, 1024);
}

// The same with the keys crowded into few buckets: most lookups probe past
// their home bucket while the writer adds and removes keys on the path.
TEST_F(TableTest, concurrent_reader_never_misses_a_key_in_a_crowded_table)
{
	churn_with_reader(this, 40);
}

// EAL once per binary, before any test.
::testing::Environment *const eal_env =
	::testing::AddGlobalTestEnvironment(new EalEnv);

} // namespace
