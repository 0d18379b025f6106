#!/usr/bin/env bash
# Window smoke test: the real viewer window under Xvfb, looked at.
#
#   viewer/scripts/window-smoke.sh [path/to/viewer] [screenshot.png]
#
# Starts a private Xvfb, runs `viewer` with no arguments (the demo: an
# in-process server plays the bundled sample), waits until it plays, takes
# a screenshot and checks what a person would: a picture in the video area
# (many colours), the Setup button disabled (grey) and Pause enabled (blue)
# while playing. Then presses Q and checks the viewer sends TEARDOWN, gets
# the answer and exits 0. Needs Xvfb, xdotool and ImageMagick (`import`,
# `convert`, `identify`), and mesa-vulkan-drivers or another wgpu adapter.
set -euo pipefail
cd "$(dirname "$0")/../.."
viewer=${1:-target/debug/viewer}
shot=${2:-$(mktemp -d)/viewer-window.png}
[ -x "$viewer" ] || cargo build -q -p viewer
work=$(mktemp -d)
log="$work/viewer.log"

display=""
for n in $(seq 90 140); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "no free X display number" >&2; exit 1; }
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
viewer_pid=""
cleanup() {
    [ -n "$viewer_pid" ] && kill "$viewer_pid" 2>/dev/null || true
    kill "$xvfb" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY=$display
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done 2>/dev/null || true

fail() { echo "window smoke: FAIL: $*" >&2; echo "--- viewer log" >&2; tail -40 "$log" >&2; exit 1; }

RUST_LOG=info "$viewer" >"$log" 2>&1 &
viewer_pid=$!
for _ in $(seq 600); do
    grep -q "state READY -> PLAYING" "$log" && break
    kill -0 "$viewer_pid" 2>/dev/null || fail "the viewer exited before playing"
    sleep 0.1
done
grep -q "state READY -> PLAYING" "$log" || fail "not playing after 60 s"
sleep 2
xdotool mousemove 1279 799
sleep 0.5
import -window root "$shot"

# The window is 960x668 at the top left (video 960x540, panel below).
colours=$(convert "$shot" -crop 960x540+0+0 +repage -format %k info:)
[ "$colours" -gt 200 ] || fail "video area has $colours colours: no picture"
setup=$(convert "$shot" -format '%[pixel:p{222,620}]' info:)
pause=$(convert "$shot" -format '%[pixel:p{566,620}]' info:)
case "$setup" in *"52,56,60"*|*"#34383C"*) ;; *) fail "Setup should look disabled, is $setup";; esac
case "$pause" in *"47,111,179"*|*"#2F6FB3"*) ;; *) fail "Pause should look enabled, is $pause";; esac

window=$(xdotool search --name "MJPEG viewer" | head -1)
[ -n "$window" ] || fail "no window titled 'MJPEG viewer'"
title=$(xdotool getwindowname "$window")
case "$title" in *"[PLAYING]"*) ;; *) fail "title is '$title'";; esac
xdotool windowfocus "$window" 2>/dev/null || true
sleep 0.2
xdotool key q
for _ in $(seq 100); do kill -0 "$viewer_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$viewer_pid" 2>/dev/null && fail "still running 10 s after Q"
status=0
wait "$viewer_pid" || status=$?
viewer_pid=""
[ "$status" -eq 0 ] || fail "exit status $status"
grep -q "closing: TEARDOWN requested" "$log" || fail "no TEARDOWN on close"
grep -q "state PLAYING -> INIT" "$log" || fail "TEARDOWN not answered"
echo "window smoke: ok ($colours colours in the picture; screenshot $shot)"
