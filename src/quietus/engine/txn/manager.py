"""Transaction identities, the status table, and which version each kind of reader sees.

The status table answers "what became of transaction x?" for every ``xmin`` on a version:

* ``x`` in ``active``   → still running (or committing: not durable yet, so invisible to others);
* ``x`` in ``aborted``  → rolled back; its versions are invisible and wait for the cleaner (accelerated mode);
* otherwise             → committed; ``commit_seq.get(x, 0)`` is its commit sequence number (0 once it is older
  than every live snapshot, when the entry is dropped).

Visibility rules (a reader never sees an aborted version):

| reader                                   | sees the newest version written by ...                          |
|------------------------------------------|-----------------------------------------------------------------|
| locking (READ COMMITTED, REPEATABLE READ, SERIALIZABLE, writers) | itself, or a committed transaction          |
| dirty (READ UNCOMMITTED, NOLOCK)         | anyone not aborted                                               |
| snapshot (SNAPSHOT, READ_COMMITTED_SNAPSHOT) at seq s | itself, or a transaction committed with seq ≤ s     |
"""

from __future__ import annotations

from collections import Counter

from quietus.engine.storage.version import Version
from quietus.engine.txn.transaction import Isolation, Transaction


class TransactionManager:
    def __init__(self) -> None:
        self.next_xid = 1
        self.last_commit_seq = 0
        self.active: dict[int, Transaction] = {}
        self.aborted: set[int] = set()
        self.commit_seq: dict[int, int] = {}
        self._snapshots: Counter[int] = Counter()

    def begin(self, session_id: int, isolation: Isolation, explicit: bool, name: str = "") -> Transaction:
        txn = Transaction(self.next_xid, session_id, isolation, explicit, name)
        self.next_xid += 1
        self.active[txn.xid] = txn
        return txn

    def mark_committed(self, txn: Transaction) -> int:
        """The commit is durable: make it visible and give it the next commit sequence number."""
        self.last_commit_seq += 1
        del self.active[txn.xid]
        if self._snapshots:
            self.commit_seq[txn.xid] = self.last_commit_seq
        return self.last_commit_seq

    def mark_aborted(self, txn: Transaction, versions_left: bool) -> None:
        """The transaction is over; if its versions are still linked (accelerated abort), remember it aborted."""
        self.active.pop(txn.xid, None)
        if versions_left:
            self.aborted.add(txn.xid)

    def forget_aborted(self, xid: int) -> None:
        """The cleaner removed every version of ``xid``."""
        self.aborted.discard(xid)

    # -- snapshots -------------------------------------------------------------------------------------------

    def take_snapshot(self) -> int:
        seq = self.last_commit_seq
        self._snapshots[seq] += 1
        return seq

    def release_snapshot(self, seq: int) -> None:
        self._snapshots[seq] -= 1
        if self._snapshots[seq] <= 0:
            del self._snapshots[seq]
        if not self._snapshots:
            self.commit_seq.clear()

    @property
    def oldest_snapshot(self) -> int | None:
        return min(self._snapshots) if self._snapshots else None

    # -- visibility ------------------------------------------------------------------------------------------

    def latest_committed(self, head: Version | None, xid: int) -> Version | None:
        active = self.active
        aborted = self.aborted
        version = head
        while version is not None:
            writer = version.xmin
            if writer == xid or (writer not in active and writer not in aborted):
                return version
            version = version.prev
        return None

    def latest_dirty(self, head: Version | None) -> Version | None:
        aborted = self.aborted
        version = head
        while version is not None:
            if version.xmin not in aborted:
                return version
            version = version.prev
        return None

    def as_of(self, head: Version | None, seq: int, xid: int) -> Version | None:
        active = self.active
        aborted = self.aborted
        commit_seq = self.commit_seq
        version = head
        while version is not None:
            writer = version.xmin
            if writer == xid:
                return version
            if writer not in active and writer not in aborted and commit_seq.get(writer, 0) <= seq:
                return version
            version = version.prev
        return None

    def newest_writer(self, head: Version | None) -> Version | None:
        """The newest version not rolled back: what a writer must wait for or conflict with."""
        return self.latest_dirty(head)
