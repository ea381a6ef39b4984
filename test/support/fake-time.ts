/**
 * A manual clock for code that takes `now` and `sleep`, starting at `start`: `sleep` advances time instead of waiting,
 * and is recorded.
 */
export function fakeTime(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

export type FakeTime = ReturnType<typeof fakeTime>;
