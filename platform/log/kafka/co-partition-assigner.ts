import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Kafka's own assignors spread each topic's partitions independently; the Log promises tasks:
 * partition p of every subscribed topic goes to the same member, so a user's profile and samples
 * (keyed alike, co-partitioned) meet in one place. Partition numbers are dealt round-robin over
 * the members in a stable order, as Kafka Streams' task assignment does for co-partitioned input.
 */
export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'pulse-co-partition',
  version: 1,
  async assign({ members, topics }) {
    await cluster.refreshMetadataIfNecessary();
    const counts = topics.map((t) => cluster.findTopicPartitionMetadata(t).length);
    const tasks = Math.max(0, ...counts);
    const order = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
    const assignments = order.map(() => ({}) as Record<string, number[]>);
    for (let task = 0; task < tasks; task++) {
      const a = assignments[task % order.length]!;
      topics.forEach((topic, i) => {
        if (task < counts[i]!) (a[topic] ??= []).push(task);
      });
    }
    return order.map((m, i) => ({
      memberId: m.memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 1,
        assignment: assignments[i]!,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'pulse-co-partition',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});
