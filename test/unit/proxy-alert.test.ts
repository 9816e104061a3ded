import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { AlertItem } from "../../src/monitor/alert-store.js";
import { proxyKey, proxyTrouble } from "../../src/monitor/proxy-watch.js";
import { renderAlert } from "../../src/monitor/render-alert.js";

const meta = { id: "a9", channel: "C1", ts: "1.1", host: "serverA", openedAt: 1_000, postedAt: 1_200 };
const proxy: AlertItem = {
  key: proxyKey("serverA"),
  kind: "proxy",
  host: "serverA",
  containerName: "dockops-proxy",
  detail:
    "proxy container `dockops-proxy` exited unexpectedly with code 137: the projects behind it here get no traffic",
  eventAt: 1_000,
};
const exited: AlertItem = {
  ...proxy,
  key: "container:serverA:abc",
  kind: "exited",
  project: "a1",
  env: "beta",
};

function inspected(state: Partial<Docker.ContainerInspectInfo["State"]>): Docker.ContainerInspectInfo {
  return {
    State: {
      Status: "running",
      Running: true,
      Paused: false,
      Restarting: false,
      ExitCode: 0,
      StartedAt: "2026-11-30T10:00:00Z",
      FinishedAt: "0001-01-01T00:00:00Z",
      ...state,
    },
  } as Docker.ContainerInspectInfo;
}

describe("proxy alerts", () => {
  it("are about the host, with a Restart proxy button and no Silence (nothing per project to silence)", () => {
    const message = renderAlert({ meta, items: [proxy] });
    expect(message.text).toBe(
      ":rotating_light: *serverA*: proxy container `dockops-proxy` exited unexpectedly with code 137: the projects behind it here get no traffic",
    );
    expect(message.buttons).toEqual([{ action: "alert:restart-proxy", label: "Restart proxy", value: "a9" }]);
  });

  it("grouped with a project's alert, keep that alert's buttons and add Restart proxy", () => {
    const message = renderAlert({ meta, items: [proxy, exited] });
    expect(message.buttons?.map((b) => b.action)).toEqual([
      "alert:restart",
      "alert:logs",
      "alert:rollback",
      "alert:silence",
      "alert:restart-proxy",
    ]);
  });

  it("lose the button once the proxy runs again", () => {
    const message = renderAlert({ meta, items: [{ ...proxy, resolvedAt: 6_000 }] });
    expect(message).toEqual({
      text: ":white_check_mark: Resolved after 5.0s: *serverA*: proxy container `dockops-proxy` exited unexpectedly with code 137: the projects behind it here get no traffic",
    });
  });

  it("name what is wrong with the container, and nothing while it runs", () => {
    const finished = "2026-11-30T10:05:00Z";
    expect(proxyTrouble("p", undefined)).toEqual({
      detail: "proxy container `p` is missing: the projects behind it here get no traffic",
    });
    expect(
      proxyTrouble("p", inspected({ Status: "exited", Running: false, ExitCode: 137, FinishedAt: finished })),
    ).toEqual({
      detail:
        "proxy container `p` exited unexpectedly with code 137: the projects behind it here get no traffic",
      at: Date.parse(finished),
    });
    expect(proxyTrouble("p", inspected({ Status: "dead", Running: false, ExitCode: 1 }))?.detail).toBe(
      "proxy container `p` is dead (exit code 1): the projects behind it here get no traffic",
    );
    // Docker calls a container waiting for its next restart "running" as well.
    expect(
      proxyTrouble("p", inspected({ Status: "restarting", Restarting: true, ExitCode: 1 }))?.detail,
    ).toBe("proxy container `p` keeps restarting (last exit code 1)");
    expect(proxyTrouble("p", inspected({ Status: "paused", Paused: true }))?.detail).toBe(
      "proxy container `p` is paused: the projects behind it here get no traffic",
    );
    const sick = inspected({
      Health: { Status: "unhealthy", FailingStreak: 3, Log: [{ ExitCode: 1 } as never] },
    });
    expect(proxyTrouble("p", sick)?.detail).toBe(
      "proxy container `p` is unhealthy (last health check exit code 1)",
    );
    expect(proxyTrouble("p", inspected({}))).toBeUndefined();
  });
});
