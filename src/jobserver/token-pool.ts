// The accounting of the run's one job pool (build_jobs), without any I/O: how many of the M tokens each
// running container was given, how many are free, and who gets the free ones next. The FIFO side is
// src/jobserver/fifo-broker.ts.
//
// GNU make's jobserver is a pipe holding one byte per free job slot (GNU make manual, "POSIX Jobserver
// Interaction"); a client takes a byte to start a job and writes it back when the job ends. Each
// container gets its own FIFO, so that the tokens a container has not given back are known: what was
// written into its FIFO minus what was read back out of it. A token a killed build held is therefore
// not lost: it comes back when its container ends.

/** How many tokens went where in one deal. */
export interface Grant {
  id: string;
  count: number;
}

interface Member {
  id: string;
  /** Tokens written into the member's FIFO and not read back: in its pipe or held by its processes. */
  given: number;
}

export class TokenPool {
  private free: number;
  /** In turn order: among members given as many tokens, the one nearer the front gets the next token. */
  private members: Member[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a job pool needs at least one token, not ${size}`);
    this.free = size;
  }

  get freeTokens(): number {
    return this.free;
  }

  /** Tokens out with a member (0 for one that is not in the pool). */
  given(id: string): number {
    return this.find(id)?.given ?? 0;
  }

  join(id: string): void {
    if (this.find(id)) throw new Error(`${id} is already in the job pool`);
    this.members.push({ id, given: 0 });
  }

  /**
   * A member's tokens read back out of its FIFO (idle there). At most what it was given counts: bytes
   * a build wrote into its FIFO on top of them are no tokens, and are dropped, so the pool never
   * hands out more than its size. Returns how many counted.
   */
  returned(id: string, count: number): number {
    const member = this.require(id);
    const counted = Math.min(Math.max(0, count), member.given);
    member.given -= counted;
    this.free += counted;
    return counted;
  }

  /** The member's container ended: every token it was given is free again, used or not. */
  leave(id: string): number {
    const member = this.require(id);
    this.members = this.members.filter((other) => other !== member);
    this.free += member.given;
    return member.given;
  }

  /**
   * Deals every free token, one at a time, to the member with the fewest tokens out (ties: the one
   * whose turn it is), so that running containers share the pool evenly. `write` puts tokens into a
   * member's FIFO and says how many it wrote; a member whose FIFO takes fewer is left out of this deal.
   */
  deal(write: (id: string, count: number) => number): Grant[] {
    const planned = new Map<Member, number>();
    while (this.free > 0 && this.members.length > 0) {
      const next = this.fewestOut(planned);
      planned.set(next, (planned.get(next) ?? 0) + 1);
      this.free -= 1;
      // Its turn is over: the next tie goes to another member.
      this.members = [...this.members.filter((member) => member !== next), next];
    }
    const grants: Grant[] = [];
    for (const [member, count] of planned) {
      const written = Math.min(count, Math.max(0, write(member.id, count)));
      member.given += written;
      this.free += count - written;
      if (written > 0) grants.push({ id: member.id, count: written });
    }
    return grants;
  }

  private fewestOut(planned: Map<Member, number>): Member {
    let best: Member | undefined;
    for (const member of this.members) {
      const out = member.given + (planned.get(member) ?? 0);
      if (best === undefined || out < best.given + (planned.get(best) ?? 0)) best = member;
    }
    return best as Member;
  }

  private find(id: string): Member | undefined {
    return this.members.find((member) => member.id === id);
  }

  private require(id: string): Member {
    const member = this.find(id);
    if (!member) throw new Error(`${id} is not in the job pool`);
    return member;
  }
}
