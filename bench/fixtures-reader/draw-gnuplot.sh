#!/bin/sh
# Draws the reader bench's gnuplot charts (gnuplot 5.4, Debian gnuplot-nox, pngcairo 800x600) from
# the CSV tables next to this script. Run from this folder: sh draw-gnuplot.sh
set -e
cat > gp-bar.csv <<'T'
"city","rain_mm"
"Bergen",2250
"Glasgow",1245
"Cork",1208
"Brest",1210
"Porto",1254
"Galway",1150
T
cat > gp-lines.csv <<'T'
"year","wind","solar"
2015,12.1,3.2
2016,13.4,4.0
2017,15.8,5.1
2018,16.2,6.9
2019,18.9,8.3
2020,21.3,10.6
2021,22.0,13.9
2022,25.4,17.2
T
cat > gp-scatter.csv <<'T'
"id","height_cm","weight_kg"
"a",152,48
"b",158,55
"c",163,57
"d",167,66
"e",171,64
"f",175,73
"g",178,80
"h",183,78
"i",186,91
"j",190,88
T
cat > gp-grouped.csv <<'T'
"quarter","north","south"
"Q1",42,35
"Q2",51,47
"Q3",38,55
"Q4",60,49
T
gnuplot <<'G'
set terminal pngcairo size 800,600 font "DejaVu Sans,11"
set datafile separator ","
set key autotitle columnhead

set output "gp-bar.png"
set title "Annual rainfall (mm)"
set style data histograms
set style fill solid 0.9 border -1
set boxwidth 0.7
set yrange [0:2500]
unset key
plot "gp-bar.csv" using 2:xtic(1) lc rgb "#3a6ea5"

set output "gp-grouped.png"
set title "Sales by quarter"
set key top left
set yrange [0:70]
set style histogram clustered gap 1
plot "gp-grouped.csv" using 2:xtic(1) title "North" lc rgb "#d95f02", "" using 3 title "South" lc rgb "#1b9e77"

set output "gp-lines.png"
set title "Electricity share (%)"
set style data linespoints
set style histogram
set xrange [2014.5:2022.5]
set yrange [0:30]
set xtics 2015,1,2022
set key top left
plot "gp-lines.csv" using 1:2 title "Wind" lw 2 lc rgb "#1f78b4" pt 7, "" using 1:3 title "Solar" lw 2 lc rgb "#e31a1c" pt 7

set output "gp-scatter.png"
set title "Height and weight"
unset key
set xrange [145:195]
set yrange [40:100]
set xtics auto
plot "gp-scatter.csv" using 2:3 with points pt 7 ps 1.5 lc rgb "#6a3d9a"
G
