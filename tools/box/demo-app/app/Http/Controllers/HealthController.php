<?php

namespace App\Http\Controllers;

use App\Jobs\RecordProbe;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Redis;
use Illuminate\Support\Str;
use Throwable;

/**
 * GET /health: each field is measured on this request. 200 when every part works, else 503 naming the failing parts.
 * Error texts name the exception's class only: a driver's message may carry a host or a user name.
 */
class HealthController
{
    /** How long the health check waits for the worker to process its probe. */
    private const QUEUE_WAIT_SECONDS = 5;

    public function __invoke()
    {
        $report = ['status' => 'healthy'];
        $failing = [];

        try {
            $first = DB::table('customers')->orderBy('id')->first(['id', 'email']);
            $report['database'] = 'connected';
            $report['customers'] = DB::table('customers')->count();
            $report['first_customer'] = $first?->email;
        } catch (Throwable $e) {
            $report['database'] = 'failed: '.class_basename($e);
            $failing[] = 'database';
        }

        try {
            $redis = Redis::connection('default');
            $pong = $redis->ping();
            if ($pong !== true && $pong !== '+PONG' && $pong !== 'PONG') {
                throw new \RuntimeException('no PONG');
            }
            $redis->setex('health:last-check', 3600, now()->toIso8601String());
            $report['redis'] = 'connected';
            $report['redis_db'] = (int) config('database.redis.default.database');
            $report['redis_key'] = config('database.redis.options.prefix').'health:last-check';
        } catch (Throwable $e) {
            $report['redis'] = 'failed: '.class_basename($e);
            $failing[] = 'redis';
        }

        try {
            $worker = $this->probeQueue();
            $report['queue'] = $worker === null ? 'not processed within '.self::QUEUE_WAIT_SECONDS.' s' : 'running';
            if ($worker === null) {
                $failing[] = 'queue';
            } else {
                $report['worker_user'] = $worker->processed_by;
                $report['worker_pid'] = (int) $worker->processed_pid;
            }
        } catch (Throwable $e) {
            $report['queue'] = 'failed: '.class_basename($e);
            $failing[] = 'queue';
        }

        $free = @disk_free_space(base_path());
        if ($free === false) {
            $report['disk_space'] = 'unknown';
            $failing[] = 'disk_space';
        } else {
            $report['disk_space'] = sprintf('%.1f GB free', $free / 1e9);
            $report['disk_free_bytes'] = (int) $free;
        }

        if ($failing !== []) {
            $report['status'] = 'unhealthy';
            $report['failing'] = $failing;
        }

        return response()->json($report, $failing === [] ? 200 : 503);
    }

    /** Queues a probe and waits for the worker to record it; the row that records it, or null. */
    private function probeQueue(): ?object
    {
        $token = Str::random(32);
        DB::table('health_probes')->where('created_at', '<', now()->subHour())->delete();
        DB::table('health_probes')->insert(['token' => $token, 'created_at' => now(), 'updated_at' => now()]);
        RecordProbe::dispatch($token);
        $deadline = microtime(true) + self::QUEUE_WAIT_SECONDS;
        do {
            $row = DB::table('health_probes')->where('token', $token)->whereNotNull('processed_at')->first();
            if ($row !== null) {
                return $row;
            }
            usleep(100_000);
        } while (microtime(true) < $deadline);

        return null;
    }
}
