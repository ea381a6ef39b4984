<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('health_probes', function (Blueprint $table) {
            $table->id();
            $table->string('token', 32)->unique();
            $table->string('processed_by', 32)->nullable();
            $table->unsignedInteger('processed_pid')->nullable();
            $table->timestamp('processed_at')->nullable();
            $table->timestamps();
        });
    }

    public function down()
    {
        Schema::dropIfExists('health_probes');
    }
};
