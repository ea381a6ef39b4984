<?php

namespace App\Http;

use Illuminate\Foundation\Http\Kernel as HttpKernel;

class Kernel extends HttpKernel
{
    /** The health route is an API answer: no session, cookies or CSRF. */
    protected $middleware = [];

    protected $middlewareGroups = ['web' => []];

    protected $routeMiddleware = [];
}
