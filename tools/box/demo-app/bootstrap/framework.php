<?php

// The framework is Debian's php-laravel-framework, not a Composer download: its autoloader loads every component and
// dependency from /usr/share/php, which is on PHP's include_path there.
require_once '/usr/share/php/Illuminate/autoload.php';
