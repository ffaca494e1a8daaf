// A thread's scheduling policy, which Node cannot set: the embedded engine's threads go to SCHED_IDLE
// (they run only on what every other thread of the machine leaves) and back to SCHED_OTHER
// (engine-priority.ts says when and why). Linux only; built by store/native/build.sh into sched.node.
//
//   policy(tid) -> number            the thread's policy (0 SCHED_OTHER, 5 SCHED_IDLE, ...); tid 0: this thread
//   setPolicy(tid, policy) -> void   policy 0 or 5 only; throws with the system's error (errno) when refused
//   canLeaveIdle(nice) -> boolean    whether a thread of this process at `nice` may go from SCHED_IDLE back
//                                    to SCHED_OTHER (unprivileged, only when RLIMIT_NICE allows that nice
//                                    value): tried on a thread started for the purpose, never on a live one
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, err == EPERM ? "EPERM" : err == ESRCH ? "ESRCH" : "EINVAL", message);
  return NULL;
}

static int int_arg(napi_env env, napi_callback_info info, size_t index, int32_t *out) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc <= index) return 0;
  return napi_get_value_int32(env, argv[index], out) == napi_ok;
}

static napi_value policy(napi_env env, napi_callback_info info) {
  int32_t tid;
  if (!int_arg(env, info, 0, &tid)) return throw_errno(env, "policy(tid)", EINVAL);
  int p = sched_getscheduler(tid);
  if (p < 0) return throw_errno(env, "sched_getscheduler", errno);
  napi_value out;
  napi_create_int32(env, p & ~SCHED_RESET_ON_FORK, &out);
  return out;
}

static napi_value set_policy(napi_env env, napi_callback_info info) {
  int32_t tid, p;
  if (!int_arg(env, info, 0, &tid) || !int_arg(env, info, 1, &p) || (p != SCHED_OTHER && p != SCHED_IDLE))
    return throw_errno(env, "setPolicy(tid, 0 | 5)", EINVAL);
  struct sched_param param = {.sched_priority = 0};
  // sched_setscheduler on Linux takes a thread id; its nice value is kept across policies
  if (sched_setscheduler(tid, p, &param) != 0) return throw_errno(env, "sched_setscheduler", errno);
  return NULL;
}

struct probe {
  int32_t nice;
  int ok;
};

// On Linux setpriority(PRIO_PROCESS, 0) sets the calling thread's nice value only.
static void *try_leave_idle(void *arg) {
  struct probe *probe = arg;
  struct sched_param param = {.sched_priority = 0};
  probe->ok = setpriority(PRIO_PROCESS, 0, probe->nice) == 0 && sched_setscheduler(0, SCHED_IDLE, &param) == 0 &&
              sched_setscheduler(0, SCHED_OTHER, &param) == 0;
  return NULL;
}

static napi_value can_leave_idle(napi_env env, napi_callback_info info) {
  struct probe probe = {.nice = 0, .ok = 0};
  if (!int_arg(env, info, 0, &probe.nice)) return throw_errno(env, "canLeaveIdle(nice)", EINVAL);
  pthread_t thread;
  if (pthread_create(&thread, NULL, try_leave_idle, &probe) == 0) pthread_join(thread, NULL);
  int ok = probe.ok;
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"policy", NULL, policy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setPolicy", NULL, set_policy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"canLeaveIdle", NULL, can_leave_idle, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
