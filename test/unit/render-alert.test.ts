import { describe, expect, it } from "vitest";
import type { AlertItem } from "../../src/monitor/alert-store.js";
import { lineSplitter } from "../../src/monitor/event-follower.js";
import { hostPorts } from "../../src/monitor/expected.js";
import { renderAlert } from "../../src/monitor/render-alert.js";

const meta = {
  id: "a1",
  channel: "C1",
  ts: "1.1",
  host: "serverA",
  env: "beta",
  openedAt: 1_000,
  postedAt: 1_300,
};
const exited: AlertItem = {
  key: "container:serverA:abc",
  kind: "exited",
  host: "serverA",
  project: "a1",
  env: "beta",
  detail: "container `a1-beta-x` exited unexpectedly with code 137 (not OOM-killed)",
  output: ["web v1 starting", "a ``` fence"],
  eventAt: 1_000,
};
const buttons = ["alert:restart", "alert:logs", "alert:rollback", "alert:silence"];

describe("alert messages", () => {
  it("an open alert shows what happened, the last lines, and four buttons carrying the alert id", () => {
    const message = renderAlert({ meta, items: [exited] });
    expect(message.text).toBe(
      [
        ":rotating_light: *a1* (beta) on *serverA*: container `a1-beta-x` exited unexpectedly with code 137 (not OOM-killed)",
        "```",
        "web v1 starting",
        "a ''' fence",
        "```",
      ].join("\n"),
    );
    expect(message.buttons?.map((b) => [b.action, b.value])).toEqual(buttons.map((b) => [b, "a1"]));
  });

  it("a recovered alert says how long it lasted and loses its buttons", () => {
    const message = renderAlert({ meta, items: [{ ...exited, resolvedAt: 126_000 }] });
    expect(message).toEqual({
      text: ":white_check_mark: Resolved after 2m05s: *a1* (beta) on *serverA*: container `a1-beta-x` exited unexpectedly with code 137 (not OOM-killed)",
    });
  });

  it("a flood is one message listing every condition", () => {
    const other = {
      ...exited,
      key: "container:serverA:def",
      project: "b2",
      eventAt: 1_100,
      resolvedAt: 5_100,
    };
    const text = renderAlert({ meta, items: [exited, other] }).text;
    expect(text.split("\n")[0]).toBe(":rotating_light: 2 alerts in *beta* on *serverA* (1 open):");
    expect(text).toContain("• :white_check_mark: resolved after 4.0s: *b2* (beta) on *serverA*");
  });

  it("a host alert has no buttons", () => {
    const host: AlertItem = {
      key: "host:serverC",
      kind: "host-down",
      host: "serverC",
      detail: "unreachable",
      eventAt: 1,
    };
    expect(renderAlert({ meta: { ...meta, env: undefined }, items: [host] })).toEqual({
      text: ":rotating_light: *serverC*: unreachable",
    });
  });
});

describe("monitor helpers", () => {
  it("reads the host port of every port form", () => {
    expect(hostPorts(["8080:80", "127.0.0.1:9090:90", "5353:53/udp"])).toEqual([8080, 9090, 5353]);
  });

  it("splits an events stream into JSON objects across chunk boundaries", () => {
    const seen: unknown[] = [];
    const feed = lineSplitter((v) => seen.push(v));
    feed('{"Action":"die"}\n{"Act');
    feed('ion":"start"}\nnot json\n');
    expect(seen).toEqual([{ Action: "die" }, { Action: "start" }]);
  });
});
