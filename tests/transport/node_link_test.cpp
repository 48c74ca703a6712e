// node_link over loopback TCP: round trips, ordering at volume, restarts on either side,
// hostile frames, CURVE refusal and peer liveness. Waits on condition variables, never sleeps.
#include "nodes/transport/node_link.hpp"

#include <gtest/gtest.h>
#include <zmq.hpp>

#include <memory>

#include "nodes/transport/wire.hpp"
#include "tests/transport/transport_test_util.hpp"

using namespace engine::transport;
using namespace engine::transport::testing;

namespace {

// Both directions need each other's endpoint before starting, so they get fixed free ports.
struct linked_pair {
  std::string a_ep = free_loopback_endpoint(), b_ep = free_loopback_endpoint();
};

} // namespace

TEST(NodeLink, EnvelopesRoundTripWithEveryField) {
  linked_pair eps;
  ASSERT_FALSE(eps.a_ep.empty());
  collector at_a;
  std::unique_ptr<node_link> b;
  // B answers every request from inside its deliver callback (the I/O thread).
  b = std::make_unique<node_link>(
    local_options("b", {{"a", eps.a_ep, ""}}, eps.b_ep),
    [&b](envelope&& e) {
      envelope reply;
      reply.target = e.reply_to;
      reply.type_id = static_cast<uint16_t>(e.type_id + 1);
      reply.request_id = e.request_id;
      reply.payload = "re:" + e.payload + ":" + e.target + ":" + std::to_string(e.seq);
      b->send(e.sender_node, std::move(reply));
    },
    nullptr);
  node_link a(local_options("a", {{"b", eps.b_ep, ""}}, eps.a_ep), at_a.fn(), nullptr);
  b->start();
  a.start();
  EXPECT_EQ(b->bound_endpoint(), eps.b_ep);

  const std::string binary("\x00\xff\x01msgpack\x00", 11);
  for (int i = 0; i < 3; ++i) {
    envelope e = make_envelope("order_manager", binary + std::to_string(i), 40);
    e.reply_to = "strategy";
    e.request_id = 100 + i;
    ASSERT_TRUE(a.send("b", std::move(e)));
  }
  ASSERT_TRUE(at_a.wait_for(3));
  auto got = at_a.snapshot();
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto& r = got[i];
    EXPECT_EQ(r.sender_node, "b");
    EXPECT_EQ(r.incarnation, b->incarnation());
    EXPECT_EQ(r.target, "strategy");
    EXPECT_EQ(r.type_id, 41);
    EXPECT_EQ(r.seq, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(r.request_id, static_cast<uint64_t>(100 + i));
    EXPECT_EQ(r.reply_to, "");
    EXPECT_EQ(r.payload, "re:" + binary + std::to_string(i) + ":order_manager:" + std::to_string(i + 1));
  }
  EXPECT_TRUE(a.drain(5s));
  EXPECT_TRUE(b->drain(5s));
  EXPECT_EQ(a.stats().sent, 3u);
  EXPECT_EQ(a.stats().delivered, 3u);
  EXPECT_EQ(b->stats().delivered, 3u);
  EXPECT_GE(b->stats().acks, 1u);
  EXPECT_NE(a.incarnation(), b->incarnation());
}

TEST(NodeLink, HundredThousandInOrderWithoutLossOrDuplicate) {
  constexpr uint64_t n = 100000;
  std::mutex mu;
  std::condition_variable cv;
  uint64_t count = 0, out_of_order = 0, bad_payload = 0;
  node_link b(local_options("b", {{"a", "", ""}}),
              [&](envelope&& e) {
                std::lock_guard<std::mutex> lk(mu);
                ++count;
                if (e.seq != count)
                  ++out_of_order;
                if (e.payload != "m" + std::to_string(e.seq))
                  ++bad_payload;
                cv.notify_all();
              },
              nullptr);
  b.start();
  auto opts = local_options("a", {{"b", b.bound_endpoint(), ""}});
  opts.resend_after_ms = 200;
  node_link a(opts, nullptr, nullptr);
  a.start();
  for (uint64_t i = 1; i <= n; ++i)
    ASSERT_TRUE(a.send("b", make_envelope("sink", "m" + std::to_string(i))));
  ASSERT_TRUE(a.drain(40s)) << "acked " << a.stats().sent;
  std::lock_guard<std::mutex> lk(mu);
  EXPECT_EQ(count, n);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(bad_payload, 0u);
  EXPECT_EQ(b.stats().delivered, n);
  EXPECT_EQ(a.stats().sent, n);
}

TEST(NodeLink, RestartedReceiverGetsEverythingExactlyOnceInOrder) {
  constexpr uint64_t n = 20000;
  collector got;
  auto b_opts = local_options("b", {{"a", "", ""}});
  auto b = std::make_unique<node_link>(b_opts, got.fn(), nullptr);
  b->start();
  const std::string ep = b->bound_endpoint();
  node_link a(local_options("a", {{"b", ep, ""}}), nullptr, nullptr);
  a.start();
  for (uint64_t i = 1; i <= n; ++i)
    ASSERT_TRUE(a.send("b", make_envelope("sink", std::to_string(i))));
  ASSERT_TRUE(got.wait_for(n / 4));
  const uint64_t first_incarnation = b->incarnation();
  b.reset(); // mid-stream: its buffers and unread frames are gone
  const size_t before = got.size();
  EXPECT_LT(before, n) << "the stream was already over: nothing tested";

  b_opts.bind_endpoint = ep;
  b = std::make_unique<node_link>(b_opts, got.fn(), nullptr);
  b->start();
  EXPECT_NE(b->incarnation(), first_incarnation);
  ASSERT_TRUE(got.wait_for(n, 30s)) << "got " << got.size();
  ASSERT_TRUE(a.drain(10s)); // all acked: nothing more can arrive
  auto all = got.snapshot();
  ASSERT_EQ(all.size(), n);
  for (uint64_t i = 0; i < n; ++i) {
    ASSERT_EQ(all[i].seq, i + 1) << "at " << i;
    ASSERT_EQ(all[i].payload, std::to_string(i + 1));
    ASSERT_EQ(all[i].incarnation, a.incarnation());
  }
  EXPECT_GT(a.stats().resent, 0u);
}

TEST(NodeLink, RestartedSenderWithNewIncarnationIsNotTakenForDuplicates) {
  collector got;
  node_link b(local_options("b", {{"a", "", ""}}), got.fn(), nullptr);
  b.start();
  const auto a_opts = local_options("a", {{"b", b.bound_endpoint(), ""}});
  uint64_t first_incarnation = 0;
  {
    node_link a1(a_opts, nullptr, nullptr);
    a1.start();
    first_incarnation = a1.incarnation();
    for (int i = 0; i < 1000; ++i)
      ASSERT_TRUE(a1.send("b", make_envelope("sink", "first")));
    ASSERT_TRUE(a1.drain(20s));
  }
  node_link a2(a_opts, nullptr, nullptr);
  a2.start();
  ASSERT_NE(a2.incarnation(), first_incarnation);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(a2.send("b", make_envelope("sink", "second")));
  ASSERT_TRUE(got.wait_for(2000));
  ASSERT_TRUE(a2.drain(20s));
  auto all = got.snapshot();
  ASSERT_EQ(all.size(), 2000u);
  for (size_t i = 0; i < 2000; ++i) {
    const bool first = i < 1000;
    EXPECT_EQ(all[i].incarnation, first ? first_incarnation : a2.incarnation());
    EXPECT_EQ(all[i].seq, (first ? i : i - 1000) + 1);
    EXPECT_EQ(all[i].payload, first ? "first" : "second");
  }
  EXPECT_EQ(b.stats().duplicates_dropped, 0u);
}

TEST(NodeLink, GarbageAndOversizedFramesAreDroppedAndCounted) {
  auto b_opts = local_options("b", {{"a", "", ""}});
  b_opts.max_frame_bytes = 1024;
  collector got;
  node_link b(b_opts, got.fn(), nullptr);
  b.start();

  frame_header good;
  good.sender_node = "a";
  good.incarnation = 42;
  good.target = "sink";
  good.seq = 1;
  const std::string header = encode_header(good);
  std::string v2 = header;
  v2[1] = 2;
  frame_header stranger = good;
  stranger.sender_node = "mallory";
  frame_header ack = good;
  ack.kind = frame_kind::ack;
  ack.ack_incarnation = 1;
  struct row {
    const char* name;
    std::vector<std::string> frames;
  };
  const row garbage[] = {
    {"one frame", {"hello"}},
    {"three frames", {header, "x", "y"}},
    {"not msgpack", {"\xc1 nonsense", "x"}},
    {"wrong version", {v2, "x"}},
    {"trailing bytes", {header + "!", "x"}},
    {"an ack on the inbound socket", {encode_header(ack), ""}},
  };
  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(b.bound_endpoint());
  auto send_frames = [&](const std::vector<std::string>& frames) {
    for (size_t i = 0; i < frames.size(); ++i)
      raw.send(zmq::buffer(frames[i]),
               i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  };
  for (const auto& r : garbage)
    send_frames(r.frames);
  send_frames({header, std::string(1025, 'p')});       // oversized payload
  send_frames({encode_header(stranger), "payload"}); // a name not configured
  const uint64_t n_garbage = std::size(garbage);
  ASSERT_TRUE(b.wait_until(
    [&](const node_link::counters& c) {
      return c.garbage_dropped >= n_garbage && c.oversized_dropped >= 1 && c.refused_peers >= 1;
    },
    10s));

  // The link goes on: a real peer is served after all of that.
  node_link a(local_options("a", {{"b", b.bound_endpoint(), ""}}), nullptr, nullptr);
  a.start();
  EXPECT_FALSE(a.send("b", make_envelope("sink", std::string(2 << 20, 'x'))));
  EXPECT_EQ(a.stats().oversized_dropped, 1u);
  EXPECT_FALSE(a.send("nobody", make_envelope("sink", "x")));
  EXPECT_FALSE(a.send("b", make_envelope("", "no target")));
  ASSERT_TRUE(a.send("b", make_envelope("sink", "real")));
  ASSERT_TRUE(got.wait_for(1));
  auto s = b.stats();
  EXPECT_EQ(s.garbage_dropped, n_garbage);
  EXPECT_EQ(s.oversized_dropped, 1u);
  EXPECT_EQ(s.refused_peers, 1u);
  EXPECT_EQ(s.delivered, 1u);
  auto all = got.snapshot();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].payload, "real");
  EXPECT_EQ(all[0].incarnation, a.incarnation());
}

TEST(NodeLink, FullResendBufferRefusesSends) {
  // The peer never answers: nothing is ever acknowledged.
  auto opts = local_options("a", {{"b", free_loopback_endpoint(), ""}});
  opts.resend_buffer = 3;
  node_link a(opts, nullptr, nullptr);
  a.start();
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(a.send("b", make_envelope("sink", "x")));
  EXPECT_FALSE(a.send("b", make_envelope("sink", "x")));
  EXPECT_FALSE(a.drain(50ms));
}

TEST(NodeLink, CurvePeersWithUnknownKeysAreRefused) {
  auto [a_pub, a_sec] = generate_curve_keypair();
  auto [b_pub, b_sec] = generate_curve_keypair();
  auto [m_pub, m_sec] = generate_curve_keypair();
  auto [i_pub, i_sec] = generate_curve_keypair();
  auto keyed = [](link_options o, const std::string& pub, const std::string& sec) {
    o.public_key = pub;
    o.secret_key = sec;
    return o;
  };
  collector got;
  node_link b(keyed(local_options("b", {{"a", "", a_pub}}), b_pub, b_sec), got.fn(), nullptr);
  b.start();
  const std::string ep = b.bound_endpoint();
  // mallory: a name and key b does not know; impostor: a's name with its own key.
  node_link mallory(keyed(local_options("mallory", {{"b", ep, b_pub}}), m_pub, m_sec), nullptr,
                    nullptr);
  node_link impostor(keyed(local_options("a", {{"b", ep, b_pub}}), i_pub, i_sec), nullptr,
                     nullptr);
  mallory.start();
  impostor.start();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(mallory.send("b", make_envelope("sink", "from mallory")));
    ASSERT_TRUE(impostor.send("b", make_envelope("sink", "from impostor")));
  }
  // Both are refused at the handshake.
  ASSERT_TRUE(b.wait_until([](const node_link::counters& c) { return c.refused_peers >= 2; }, 10s));

  node_link a(keyed(local_options("a", {{"b", ep, b_pub}}), a_pub, a_sec), nullptr, nullptr);
  a.start();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(a.send("b", make_envelope("sink", "from a")));
  ASSERT_TRUE(got.wait_for(3));
  ASSERT_TRUE(a.drain(10s));
  // They keep trying (every peer_timeout_ms) and keep being refused.
  ASSERT_TRUE(b.wait_until([](const node_link::counters& c) { return c.refused_peers >= 4; }, 10s));
  auto all = got.snapshot();
  ASSERT_EQ(all.size(), 3u);
  for (const auto& e : all) {
    EXPECT_EQ(e.payload, "from a");
    EXPECT_EQ(e.incarnation, a.incarnation());
  }
  EXPECT_EQ(b.stats().delivered, 3u);
  EXPECT_FALSE(mallory.drain(0ms)) << "mallory got an ack";
  EXPECT_FALSE(impostor.drain(0ms)) << "the impostor got an ack";
}

TEST(NodeLink, SilentPeerIsReportedDownThenUpWhenItReturns) {
  peer_events at_a, at_b;
  auto b_opts = local_options("b", {{"a", "", ""}});
  auto b = std::make_unique<node_link>(b_opts, nullptr, at_b.fn());
  b->start();
  const std::string ep = b->bound_endpoint();
  auto a_opts = local_options("a", {{"b", ep, ""}});
  node_link a(a_opts, nullptr, at_a.fn());
  a.start();
  ASSERT_GE(at_a.wait_for("b", true), 0);
  ASSERT_GE(at_b.wait_for("a", true), 0);

  const size_t mark = at_a.size();
  const auto stopped = std::chrono::steady_clock::now();
  b.reset();
  const int down = at_a.wait_for("b", false, mark);
  ASSERT_GE(down, 0);
  const auto elapsed = at_a.at(static_cast<size_t>(down)).at - stopped;
  // Not before the peer went silent for the timeout (less one heartbeat: the last word may
  // predate the stop), and promptly after it.
  EXPECT_GE(elapsed, std::chrono::milliseconds(a_opts.peer_timeout_ms - 2 * a_opts.heartbeat_ms));
  EXPECT_LE(elapsed, std::chrono::milliseconds(a_opts.peer_timeout_ms + 2000));

  peer_events at_b2;
  b_opts.bind_endpoint = ep;
  b = std::make_unique<node_link>(b_opts, nullptr, at_b2.fn());
  b->start();
  EXPECT_GE(at_a.wait_for("b", true, static_cast<size_t>(down)), 0);
  EXPECT_GE(at_b2.wait_for("a", true), 0);
}

// A peer replaced by a new process inside the peer timeout is still reported down, then up:
// whatever the old process owed (answers to requests in flight) is gone with it.
TEST(NodeLink, PeerRestartedInsideTheTimeoutIsReportedDownThenUp) {
  peer_events at_a;
  auto b_opts = local_options("b", {{"a", "", ""}});
  auto b = std::make_unique<node_link>(b_opts, nullptr, nullptr);
  b->start();
  const std::string ep = b->bound_endpoint();
  auto a_opts = local_options("a", {{"b", ep, ""}});
  a_opts.peer_timeout_ms = 10000; // far longer than the restart below
  node_link a(a_opts, nullptr, at_a.fn());
  a.start();
  ASSERT_GE(at_a.wait_for("b", true), 0);

  const size_t mark = at_a.size();
  const auto stopped = std::chrono::steady_clock::now();
  b.reset();
  b_opts.bind_endpoint = ep;
  b = std::make_unique<node_link>(b_opts, nullptr, nullptr);
  b->start();
  const int down = at_a.wait_for("b", false, mark);
  ASSERT_GE(down, 0);
  EXPECT_LT(at_a.at(static_cast<size_t>(down)).at - stopped,
            std::chrono::milliseconds(a_opts.peer_timeout_ms / 2));
  EXPECT_GE(at_a.wait_for("b", true, static_cast<size_t>(down)), 0);
}

TEST(NodeLink, RefusedNodeGetsInOnceTheReceiverKnowsItsKey) {
  // A rolling deployment: b first runs without a's key, then restarts with it. a's first
  // handshake fails for good at the ZeroMQ level; the link must retry on its own.
  auto [a_pub, a_sec] = generate_curve_keypair();
  auto [b_pub, b_sec] = generate_curve_keypair();
  auto [x_pub, x_sec] = generate_curve_keypair();
  auto b_opts = local_options("b", {{"a", "", x_pub}}); // the wrong key for a
  b_opts.public_key = b_pub;
  b_opts.secret_key = b_sec;
  collector got;
  auto b = std::make_unique<node_link>(b_opts, got.fn(), nullptr);
  b->start();
  const std::string ep = b->bound_endpoint();
  auto a_opts = local_options("a", {{"b", ep, b_pub}});
  a_opts.public_key = a_pub;
  a_opts.secret_key = a_sec;
  node_link a(a_opts, nullptr, nullptr);
  a.start();
  ASSERT_TRUE(a.send("b", make_envelope("sink", "hello")));
  ASSERT_TRUE(b->wait_until([](const node_link::counters& c) { return c.refused_peers >= 1; }, 10s));
  EXPECT_EQ(got.size(), 0u);

  b.reset();
  b_opts.bind_endpoint = ep;
  b_opts.peers[0].public_key = a_pub;
  b = std::make_unique<node_link>(b_opts, got.fn(), nullptr);
  b->start();
  ASSERT_TRUE(got.wait_for(1, 10s));
  ASSERT_TRUE(a.drain(10s));
  auto all = got.snapshot();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].payload, "hello");
  EXPECT_EQ(all[0].seq, 1u);
}

TEST(NodeLink, ReceiverOrdersDedupsAndAcksAtTheFrameLevel) {
  // A raw DEALER speaks the wire protocol as peer "a" (plaintext lets it), so each rule of the
  // receiver is driven frame by frame and its acks are read back.
  collector got;
  node_link b(local_options("b", {{"a", "", ""}}), got.fn(), nullptr);
  b.start();
  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::rcvtimeo, 10000);
  raw.connect(b.bound_endpoint());

  auto send = [&](frame_kind kind, uint64_t incarnation, uint64_t seq, uint64_t ack_upto) {
    frame_header h;
    h.kind = kind;
    h.sender_node = "a";
    h.incarnation = incarnation;
    h.target = kind == frame_kind::data ? "sink" : "";
    h.seq = seq;
    h.ack_upto = ack_upto;
    raw.send(zmq::buffer(encode_header(h)), zmq::send_flags::sndmore);
    raw.send(zmq::buffer("p" + std::to_string(seq)), zmq::send_flags::none);
  };
  // Reads acks until one for `incarnation` reaches `upto`; false on timeout or a bad frame.
  auto ack_reaches = [&](uint64_t incarnation, uint64_t upto) {
    while (true) {
      zmq::message_t head, body;
      if (!raw.recv(head) || !head.more() || !raw.recv(body))
        return false;
      frame_header h;
      if (!decode_header(head.data(), head.size(), h) || h.kind != frame_kind::ack
          || h.sender_node != "b" || h.incarnation != b.incarnation())
        return false;
      if (h.ack_incarnation == incarnation && h.ack_upto == upto)
        return true;
      if (h.ack_upto > upto)
        return false;
    }
  };

  send(frame_kind::data, 42, 3, 0); // ahead of a gap: held
  send(frame_kind::data, 42, 2, 0);
  ASSERT_TRUE(ack_reaches(42, 0));
  EXPECT_EQ(got.size(), 0u);
  send(frame_kind::data, 42, 1, 0); // fills the gap: 1, 2, 3 in order
  ASSERT_TRUE(ack_reaches(42, 3));
  send(frame_kind::data, 42, 2, 0); // already delivered
  ASSERT_TRUE(ack_reaches(42, 3));
  EXPECT_EQ(b.stats().duplicates_dropped, 1u);

  // A new incarnation whose sender says 1..10 were acknowledged (by our predecessor): the
  // stream starts after 10 instead of waiting for seqs that will never come again.
  send(frame_kind::data, 43, 12, 10);
  send(frame_kind::data, 43, 11, 10);
  ASSERT_TRUE(ack_reaches(43, 12));
  send(frame_kind::data, 42, 4, 3); // the previous process: superseded, dropped
  send(frame_kind::heartbeat, 43, 20, 20);
  ASSERT_TRUE(ack_reaches(43, 20));
  send(frame_kind::data, 43, 21, 20);
  ASSERT_TRUE(ack_reaches(43, 21));

  auto all = got.snapshot();
  const std::vector<std::pair<uint64_t, uint64_t>> expected = {
    {42, 1}, {42, 2}, {42, 3}, {43, 11}, {43, 12}, {43, 21}};
  ASSERT_EQ(all.size(), expected.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].incarnation, expected[i].first) << i;
    EXPECT_EQ(all[i].seq, expected[i].second) << i;
    EXPECT_EQ(all[i].payload, "p" + std::to_string(expected[i].second)) << i;
    EXPECT_EQ(all[i].sender_node, "a");
    EXPECT_EQ(all[i].target, "sink");
  }
  EXPECT_EQ(b.stats().duplicates_dropped, 2u);
}
