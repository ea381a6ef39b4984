<?php

namespace App\Jobs;

use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Support\Facades\DB;

/** Proves a worker runs: it records which Linux user and process handled the probe the health check queued. */
class RecordProbe implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public function __construct(public string $token)
    {
    }

    public function handle(): void
    {
        DB::table('health_probes')->where('token', $this->token)->update([
            'processed_by' => posix_getpwuid(posix_geteuid())['name'] ?? (string) posix_geteuid(),
            'processed_pid' => getmypid(),
            'processed_at' => now(),
        ]);
    }
}
